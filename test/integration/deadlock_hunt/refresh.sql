/* hunt:refresh */ SELECT reliability.refresh();
