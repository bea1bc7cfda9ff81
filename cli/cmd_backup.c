/* cmd_backup.c — placeholder until its owner lands it this session. */
#include "cli.h"

#include <stdio.h>

int cmd_backup(int argc, char **argv)
{
    fprintf(stderr, "pinggu: not built yet\n");
    return 2;
}
