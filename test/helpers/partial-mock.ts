import { mockClient } from 'aws-sdk-client-mock';

type Send = (command: unknown) => Promise<unknown>;

/**
 * aws-sdk-client-mock for the few calls the emulator lacks, moto for everything else: the client's
 * `send` is stubbed, and every command the test does not set a behaviour for goes through to moto
 * unchanged (sinon `callThrough`). A fake can still reach moto with `toEmulator(client, command)`.
 * Tests name the mocked calls where they set them up.
 */
export function mockOnly(Client: { prototype: object }) {
  // The smithy Client's own send, found before the stub replaces it on the service client's prototype.
  const original = (Client.prototype as { send: Send }).send;
  const mock = mockClient(Client as never);
  mock.send.callThrough();
  const toEmulator = <T>(client: unknown, command: unknown): Promise<T> =>
    original.call(client, command) as Promise<T>;
  return { mock, toEmulator };
}
