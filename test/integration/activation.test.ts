import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const extensionId = 'finops-chargeback.finops-chargeback';

describe('the extension inside VS Code', () => {
  it('is installed under its manifest id and activates', async () => {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension, `${extensionId} is not among the loaded extensions`);
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  it('registers its commands', async () => {
    await vscode.extensions.getExtension(extensionId)?.activate();
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['chargeback.checkFile', 'chargeback.showSummary'])
      assert.ok(commands.includes(id), `${id} is registered`);
  });
});
