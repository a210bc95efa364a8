/** The `chargeback` command line. */
process.stdout.write('chargeback: not yet\n');
