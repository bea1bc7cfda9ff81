/* publish.c — placeholder route table until its owner lands it this session. */
#include "api.h"

const pg_route pg_publish_routes[] = {
    {0, NULL, 0, NULL},
};
