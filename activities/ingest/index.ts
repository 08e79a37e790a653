export { scanInbox, settleInboxFile, hashFile, batchIdOf, type InboxFile } from './inbox.ts';
