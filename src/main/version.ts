// Kept in step with package.json by hand at release time; read at run time without fs access.
export const version = '0.1.0'
