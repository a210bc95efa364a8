/** Where the CLI writes, and the error that means "the user called us wrongly" (exit code 2). */
export interface Output {
  write(text: string): void;
}

export class UsageError extends Error {}
