/* cmd_doc.c — placeholder while the command is written. */
#include "cli.h"

#include <stdio.h>

int cmd_doc(int argc, char **argv)
{
    (void)argc, (void)argv;
    fputs("pinggu doc: not yet\n", stderr);
    return 2;
}
