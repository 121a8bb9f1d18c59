export { Context } from './context.ts';
export { send, type SendOptions } from './commands/send.ts';
