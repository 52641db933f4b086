// Every Dapper call in this assembly is generated at build time (Dapper.AOT): no reflection, so it survives native AOT.
[module: Dapper.DapperAot]
