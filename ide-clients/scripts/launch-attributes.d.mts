// Types for launch-attributes.mjs (a plain .mjs so that the build runs it without compiling).
export interface ObjectSchema {
  type?: string;
  required?: string[];
  properties: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}
export function findLaunchSchema(root: string): string | undefined;
export function launchDefinition(schema: unknown): ObjectSchema | undefined;
export function configurationAttributes(schema: unknown): { launch: ObjectSchema; attach: ObjectSchema };
export function zedAdapterSchema(schema: unknown): ObjectSchema;
