// placeholder so the project compiles until analyzers land
