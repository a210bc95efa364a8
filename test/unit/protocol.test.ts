// The typed messages of src/shared/protocol.ts across a real JSON-RPC connection: the server's connection (its own,
// older vscode-jsonrpc, reached through src/server/handlers/messages.ts) and a connection made with the client's
// vscode-jsonrpc exchange requests, progress and a notification, parameters and results intact.
import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { createConnection } from 'vscode-languageserver/node';
import {
  CheckFileRequest,
  CheckProgressNotification,
  ExportRequest,
  FileSummaryNotification,
  type CheckProgressParams,
  type FileSummary,
} from '../../src/shared/protocol';
import * as protocol from '../../src/shared/protocol';
import { onRequest, sendNotification } from '../../src/server/handlers/messages';

const SUMMARY: FileSummary = {
  uri: 'file:///usage.csv',
  kind: 'daily-usage',
  kindLabel: 'Daily rated usage',
  rows: 3,
  findings: 1,
  errors: 1,
  warnings: 0,
  infos: 0,
  byCode: { 'effective-price-mismatch': 1 },
  billedTotal: '12.34',
  overcharge: '0.10',
  undercharge: '0.00',
  currency: 'EUR',
  complete: true,
  notShown: 0,
  elapsedMs: 5,
};

describe('typed protocol between client and server', () => {
  it('names every message once, under chargeback/', () => {
    const methods = Object.values(protocol as Record<string, unknown>)
      .filter((v): v is { method: string } => typeof v === 'object' && v !== null && 'method' in v)
      .map((v) => v.method);
    assert.deepEqual(methods.sort(), [
      'chargeback/checkFile',
      'chargeback/checkProgress',
      'chargeback/export',
      'chargeback/fileSummary',
    ]);
  });

  it('carries a request, its progress and a notification over a real connection in both directions', async () => {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    const server = createConnection(toServer, toClient);
    const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
    try {
      onRequest(server, CheckFileRequest, async (params) => {
        await sendNotification(server, CheckProgressNotification, { uri: params.uri, rows: 2, pass: 1, passes: 1 });
        await sendNotification(server, FileSummaryNotification, { ...SUMMARY, uri: params.uri });
        return { summary: { ...SUMMARY, uri: params.uri }, lines: ['usage.csv:2:5: error x: y'], listed: 5000 };
      });
      onRequest(server, ExportRequest, async (params) => ({ written: false, path: params.out, message: params.kind }));
      server.listen();
      const progress: CheckProgressParams[] = [];
      const summaries: FileSummary[] = [];
      client.onNotification(CheckProgressNotification, (p) => {
        progress.push(p);
      });
      client.onNotification(FileSummaryNotification, (s) => {
        summaries.push(s);
      });
      client.listen();

      const result = await client.sendRequest(CheckFileRequest, { uri: 'file:///big.csv' });
      assert.equal(result.summary.uri, 'file:///big.csv');
      assert.equal(result.summary.billedTotal, '12.34');
      assert.deepEqual(result.lines, ['usage.csv:2:5: error x: y']);
      assert.deepEqual(progress, [{ uri: 'file:///big.csv', rows: 2, pass: 1, passes: 1 }]);
      assert.deepEqual(summaries, [{ ...SUMMARY, uri: 'file:///big.csv' }]);
      const exported = await client.sendRequest(ExportRequest, {
        uri: 'file:///r.chargeback.yaml',
        kind: 'journal',
        out: '/tmp/j.csv',
        overwrite: false,
      });
      assert.deepEqual(exported, { written: false, path: '/tmp/j.csv', message: 'journal' });
    } finally {
      client.dispose();
      server.dispose();
    }
  });
});
