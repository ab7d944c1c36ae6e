/** The first line of standard input: how the CLI takes a password without it showing in the process list or the shell history. */
export async function readFirstLine(): Promise<string> {
  let data = '';
  for await (const chunk of process.stdin) data += String(chunk);
  return data.split(/\r?\n/)[0] ?? '';
}
