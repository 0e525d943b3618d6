/* commands: the `keygen` and `verify` commands (argument parsing and
 * printing; the work is done by signing.c and verify.c).
 *
 * Exit status, for scripts: 0 success; 1 the bundle failed verification
 * (or a key could not be written); 2 usage error (unknown option, a
 * missing argument, a key or bundle that cannot be read). */
#ifndef WAYMARK_COMMANDS_H
#define WAYMARK_COMMANDS_H

/* argv holds the arguments after the command name. */
int cmd_keygen(int argc, char **argv);
int cmd_verify(int argc, char **argv);

extern const char CMD_KEYGEN_HELP[];
extern const char CMD_VERIFY_HELP[];

#endif
