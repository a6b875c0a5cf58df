import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { client, endpointUrl } from '../../aws/clients.js';

const accounts = new Map<string, Promise<string>>();

/** The account the credentials belong to (asked once per endpoint; GetCallerIdentity needs no permission). */
export function accountId(region: string): Promise<string> {
  const key = `${endpointUrl() ?? ''}|${process.env.AWS_ACCESS_KEY_ID ?? ''}`;
  let account = accounts.get(key);
  if (!account) {
    account = client(STSClient, region)
      .send(new GetCallerIdentityCommand({}))
      .then((answer) => answer.Account as string);
    account.catch(() => accounts.delete(key));
    accounts.set(key, account);
  }
  return account;
}
