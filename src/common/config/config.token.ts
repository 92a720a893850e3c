/** Injection token of the process's ConfigService (provided by RootModule). */
export const CONFIG = Symbol('CONFIG');
