/* digest.c — the SHA-256 of a byte string, as the 64 lowercase hex digits the store names
 * blobs by.
 *
 * OpenSSL's, not libmd's SHA256Data (same digest, same text): OpenSSL uses the CPU's SHA
 * instructions where it has them, libmd hashes in C at about a fifth of the speed. Every read
 * of a stored blob checks its bytes against its name, so a unit's read of its bulletin spent
 * half of its CPU here with libmd. */
#include "base.h"

#include <openssl/evp.h>
#include <stdlib.h>

void pg_hex32(const unsigned char md[32], char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++)
        hex[2 * i] = digits[md[i] >> 4], hex[2 * i + 1] = digits[md[i] & 15];
    hex[64] = 0;
}

void pg_sha256_hex(const void *p, size_t n, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    /* fails only without memory for its context, which pg_xmalloc would abort on as well */
    if (!EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) || len != 32) abort();
    pg_hex32(md, hex);
}

/* EVP_MD_CTX behind the name: base.h keeps OpenSSL's headers to this file. */
struct pg_sha256 {
    EVP_MD_CTX *ctx;
};

pg_sha256 *pg_sha256_new(void)
{
    pg_sha256 *h = pg_xmalloc(sizeof *h);
    if (!(h->ctx = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL)) abort();
    return h;
}

void pg_sha256_add(pg_sha256 *h, const void *p, size_t n)
{
    if (n && !EVP_DigestUpdate(h->ctx, p, n)) abort();
}

void pg_sha256_end(pg_sha256 *h, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_DigestFinal_ex(h->ctx, md, &len) || len != 32) abort();
    EVP_MD_CTX_free(h->ctx);
    free(h);
    pg_hex32(md, hex);
}
