/**
 * Language ids both the client and the server work with, besides the billing kinds' own (LANGUAGE_IDS in
 * src/core/billing/fileKinds.ts). package.json contributes.languages declares them.
 */

/** `*.chargeback.yaml` rules files. */
export const RULES_LANGUAGE = 'chargeback-rules';
