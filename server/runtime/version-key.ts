/** The key of a model version in the runtime's tables. */
export const keyOf = (name: string, version: number) => `${name}\u0000${version}`;
