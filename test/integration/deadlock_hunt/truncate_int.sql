/* hunt:truncate_int */ TRUNCATE reliability.interruptions;
