// placeholder so the project compiles until the generator lands
