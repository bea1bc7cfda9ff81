/* rawcopy.c — read a batch file once: hash it, copy it, and hand its blocks on (see rawcopy.h).
 *
 * Ingest needs three things of a batch file's bytes: its SHA-256 (the batch id), a durable copy
 * in the store, and its records. All three come from one sequential read here: the reading
 * thread reads a block (1 MiB), hands it to the caller's function, and leaves it in a ring for
 * the hashing thread and the writing threads; a block is read into again once both have done
 * with it. So the file is read once, and it may be a pipe or a FIFO, which can be read only
 * once. A caller may say where each block is to be read (pg_rawcopy_start_into):
 * ingest_stream.c has them read straight into its parsers' chunks, which saves copying every
 * byte once more (a memcpy of the whole file: ~5 % of an NDJSON ingest's CPU); the ring's
 * slot then only points at the caller's buffer, and the caller is told when the block is
 * hashed and written (pl.done), never before, so that it parses (and writes into) those bytes
 * only then. When the copy fails, every block already hashed is given back at once: the
 * caller may be waiting for one of them to reuse its buffer.
 *
 * Why threads: SHA-256 of a 726 MB file costs ~0.5 s even with the CPU's SHA instructions,
 * and flushing the copy to disk ~0.5–1 s of waiting; on a thread each beside the parse they
 * mostly vanish from the wall time. The hash has a thread of its own, apart from the reading,
 * so that the reading (which feeds the parsers) never waits for it.
 *
 * Why OpenSSL (libcrypto) and not libmd, which revision.c uses for small files: libmd's
 * SHA256Transform is plain C, 230 MB/s here; OpenSSL's EVP SHA-256 uses the SHA-NI
 * instructions, 1.5 GB/s (`openssl speed -evp sha256`), and the digest is the same.
 *
 * How the copy is made: a clone (FICLONE: instant, on XFS/Btrfs) when the file system can and
 * the input is a whole regular file; otherwise each block is written from its buffer straight
 * to the disk (O_DIRECT, ext4 and most others), so the copy neither fills the page cache nor
 * competes for memory bandwidth with the parse. Where O_DIRECT is refused (tmpfs, some network
 * file systems), each block is copied inside the kernel with copy_file_range, or written from
 * the buffer when even that is not possible.
 *
 * Why a flushing thread: an O_DIRECT write is done when the disk has the bytes, not when they
 * are durable. A disk with a volatile write cache (a VM's virtio disk: "write back") takes them
 * at ~1.2 GB/s into that cache and makes them durable at about half that, when asked, so the
 * fsync at the end of a 726 MB copy waited 0.32–0.59 s here, after the parse had finished,
 * while the disk had sat idle during the parse. The flushing thread asks for durability
 * (fdatasync) every 8 MiB written, while the reading, the parse and the writing go on, so that
 * the disk works during the parse and the final fsync has little left (~0.03 s). Why so often:
 * writes queue behind a flush for as long as it takes, in proportion to what it has to make
 * durable (up to 65 ms a write with a flush every 64 MiB, ~10 ms every 8 MiB), and the parse
 * waits for the writes (ingest_stream.c parses a chunk once it is written, and only ~16 MiB of
 * chunks are in flight). Measured on the benchmark's 5 M records (ingest-run), the durable
 * ingest of the CSV file went from 1.37–1.45 s to 1.10–1.14 s, the NDJSON file from 2.53–2.61 s
 * to 2.25–2.29 s; every 64 MiB it was 1.35–1.37 s. An fdatasync that fails fails the copy: a
 * later fsync may report success after the kernel has dropped the pages it could not write
 * (Linux reports a write-back error once per file description). The same thread serves the
 * page-cache path, where it also keeps the dirty pages few. One writing thread: two were
 * tried (two requests in flight write about a fifth faster with dd), but ext4 takes the inode's
 * lock exclusively for an O_DIRECT write that extends the file and holds it until the write is
 * done, so two writers of one copy wait on each other, and the waiting spins: 0.08 CPU-s of
 * system time per 640 MB (perf: rwsem_down_write_slowpath, rwsem_spin_on_owner), taken from
 * the parser threads on a machine with two cores. One writer keeps up with the parse wherever
 * the disk writes faster than the parse reads (1.6 GB/s against 0.8 GB/s here). NWRITERS
 * stays a constant, should a file system that writes in parallel want two. Memory: the ring,
 * eight 1 MiB blocks. */
#define _GNU_SOURCE
#include "rawcopy.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    BLOCK = PG_RAWCOPY_BLOCK,
    NBUF = 8,
    NWRITERS = 1,
    FLUSH_EVERY = 8 << 20,
    ALIGN = PG_RAWCOPY_ALIGN
};
/* The ring is one region on 2 MiB boundaries, offered to the kernel for huge pages (THP with
 * MADV_HUGEPAGE, where the kernel is set to "madvise" or "always"). Why: a 1 MiB O_DIRECT write
 * from 4 KiB pages pins 256 pages (gup_fast_fallback: a third of the writing thread's CPU in
 * `perf record`) and is 256 segments, more than a virtio disk's 254 a request, so it goes as
 * two requests, each a notification of the host (iowrite16, another third); from a huge page
 * it is one segment and one request. The read into the block and the hash's loads take fewer
 * TLB misses too. Without THP it is the same memory, on small pages. */
#define RING_ALIGN ((size_t)2 << 20)

struct pg_rawcopy {
    pthread_t thread, hasher, flusher;
    int in, out, own_in; /* out: -1 when there is no copy, only the hash */
    char *name, *to;
    pg_rawcopy_fn fn;
    pg_rawcopy_place pl; /* where blocks are read (pl.place NULL: the ring) */
    void *ud;
    const char *failed; /* what failed: "read", "copy", "hash" */
    int rc;             /* 0 or -errno (set by the thread) */
    char id[65];
    EVP_MD_CTX *md;
    /* The ring: the reading thread fills slot s % NBUF with the s-th block once that slot is
     * free; the hashing thread takes the blocks in order, the writing threads the oldest one
     * not taken yet; a block is free again when it is both hashed and written. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *ring; /* NBUF blocks, own[i] = ring + i * BLOCK */
    char *own[NBUF];
    char *buf[NBUF];            /* where slot i's block is: own[i], or the caller's (placed[i]) */
    unsigned char placed[NBUF]; /* buf[i] came from pl.place: pl.done gives it back */
    size_t len[NBUF];
    off_t at[NBUF];
    long seq[NBUF];
    unsigned char filled[NBUF], hashed[NBUF], taken[NBUF], written[NBUF];
    long nfilled, nhashed;
    long long wrote, synced; /* bytes of the copy written, and made durable by the flusher */
    int done, werr, herr, ferr;
    int cloned, direct, flags; /* how the copy is made (decided once, before the writers) */
    int whole; /* the input is a regular file read from its first byte: the kernel may copy
                * its ranges by their offsets (copy_file_range) */
};

static int write_all(int fd, const char *p, size_t n, off_t off)
{
    while (n) {
        ssize_t w = pwrite(fd, p, n, off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -errno;
        if (w == 0) return -EIO;
        p += w, n -= (size_t)w, off += w;
    }
    return 0;
}

/* Copies [off, off + n) of in to the same place in out; *kernel drops to 0 for good (in this
 * writer) when the kernel cannot copy between these files, and the bytes in buf are written
 * instead. Offsets are explicit, so two writers never share a file position. */
static int copy_range(struct pg_rawcopy *c, const char *buf, off_t off, size_t n, int *kernel)
{
    while (*kernel && n) {
        loff_t from = off, to = off;
        ssize_t w = copy_file_range(c->in, &from, c->out, &to, n, 0);
        if (w > 0) {
            off += w, buf += w, n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP &&
            errno != EBADF && errno != ESPIPE)
            return -errno;
        *kernel = 0; /* w == 0 (a file that shrank) falls back too, and write says the rest */
    }
    return n ? write_all(c->out, buf, n, off) : 0;
}

/* Reads up to BLOCK bytes, as many as there are: only the last block of the file is short
 * (a pipe gives less per read, so it is read on until the block is full). */
static ssize_t read_block(int fd, char *buf)
{
    size_t got = 0;
    while (got < BLOCK) {
        ssize_t n = read(fd, buf + got, BLOCK - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -errno;
        if (n == 0) break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* Writes a block at off straight to the disk (O_DIRECT: the length must be a multiple of the
 * logical block size, so the short last block is padded and the file cut back after it). */
static int write_direct(struct pg_rawcopy *c, char *buf, off_t off, size_t n)
{
    size_t len = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    memset(buf + n, 0, len - n);
    for (size_t done = 0; done < len;) {
        ssize_t w = pwrite(c->out, buf + done, len - done, off + (off_t)done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return w < 0 ? -errno : -EIO;
        done += (size_t)w;
    }
    return len != n && ftruncate(c->out, off + (off_t)n) != 0 ? -errno : 0;
}

/* Under mu: a block both hashed and written (or never to be written: the copy failed, and no
 * writer has it in hand) is free for the next read. Returns the caller's buffer to give back
 * (pl.done, after mu is released), or NULL. */
static char *settle(struct pg_rawcopy *c, int k)
{
    char *back = NULL;
    if (c->filled[k] && c->hashed[k] && (c->written[k] || (c->werr && !c->taken[k]))) {
        c->filled[k] = 0;
        if (c->placed[k]) back = c->buf[k], c->placed[k] = 0;
    }
    pthread_cond_broadcast(&c->cv);
    return back;
}

/* Under mu, once werr is set: every hashed block that waits only for its write is free. The
 * buffers to give back go into back[] (NBUF of them at most); returns how many. */
static int settle_failed(struct pg_rawcopy *c, char **back)
{
    int n = 0;
    for (int i = 0; i < NBUF; i++) {
        char *b = settle(c, i);
        if (b) back[n++] = b;
    }
    return n;
}

static void give_back(struct pg_rawcopy *c, char **back, int n)
{
    for (int i = 0; i < n; i++) c->pl.done(c->ud, back[i]);
}

/* A writing thread: writes filled blocks, the oldest first, until the reading is done. Only
 * the last block is short, and the file is cut back after it, so the order of the writes
 * does not matter. */
static void *write_blocks(void *arg)
{
    struct pg_rawcopy *c = arg;
    int kernel = c->whole, rc = 0;
    for (;;) {
        pthread_mutex_lock(&c->mu);
        int k;
        for (;;) {
            k = -1;
            for (int i = 0; i < NBUF; i++)
                if (c->filled[i] && !c->taken[i] && (k < 0 || c->seq[i] < c->seq[k])) k = i;
            if (k >= 0 || c->done || c->werr) break;
            pthread_cond_wait(&c->cv, &c->mu);
        }
        if (k < 0 || c->werr) {
            pthread_mutex_unlock(&c->mu);
            break;
        }
        c->taken[k] = 1;
        int direct = c->direct;
        pthread_mutex_unlock(&c->mu);
        off_t off = c->at[k];
        size_t n = c->len[k];
        if (direct && (rc = write_direct(c, c->buf[k], off, n)) == -EINVAL) {
            /* the device wants other alignments: through the page cache from here on */
            pthread_mutex_lock(&c->mu);
            c->direct = 0;
            pthread_mutex_unlock(&c->mu);
            rc = fcntl(c->out, F_SETFL, c->flags) == 0 ? 0 : -errno;
            direct = 0;
        }
        if (rc == 0 && !direct) rc = copy_range(c, c->buf[k], off, n, &kernel);
        char *back[NBUF];
        int nback = 0;
        pthread_mutex_lock(&c->mu);
        c->written[k] = 1;
        c->wrote += (long long)n;
        if (rc && !c->werr) c->werr = rc;
        if ((back[0] = settle(c, k)) != NULL) nback = 1;
        if (rc) nback += settle_failed(c, back + nback);
        pthread_mutex_unlock(&c->mu);
        give_back(c, back, nback);
        if (rc) break;
    }
    return NULL;
}

/* The flushing thread: makes the copy durable every FLUSH_EVERY bytes written, beside the
 * writing, until the reading is done (the final fsync takes the rest). */
static void *flush_copy(void *arg)
{
    struct pg_rawcopy *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (c->wrote - c->synced < FLUSH_EVERY && !c->done && !c->werr)
            pthread_cond_wait(&c->cv, &c->mu);
        if (c->done || c->werr) break;
        long long upto = c->wrote;
        pthread_mutex_unlock(&c->mu);
        int rc = fdatasync(c->out) == 0 ? 0 : -errno;
        pthread_mutex_lock(&c->mu);
        c->synced = upto;
        if (rc && !c->ferr) c->ferr = rc;
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* The hashing thread: the blocks in the order they were read. */
static void *hash_blocks(void *arg)
{
    struct pg_rawcopy *c = arg;
    for (;;) {
        pthread_mutex_lock(&c->mu);
        int k = (int)(c->nhashed % NBUF);
        while (!(c->filled[k] && c->seq[k] == c->nhashed) && !(c->done && c->nfilled == c->nhashed))
            pthread_cond_wait(&c->cv, &c->mu);
        if (!(c->filled[k] && c->seq[k] == c->nhashed)) {
            pthread_mutex_unlock(&c->mu);
            return NULL;
        }
        pthread_mutex_unlock(&c->mu);
        int ok = c->herr || EVP_DigestUpdate(c->md, c->buf[k], c->len[k]);
        pthread_mutex_lock(&c->mu);
        if (!ok) c->herr = 1;
        c->hashed[k] = 1;
        c->nhashed++;
        char *back = settle(c, k);
        pthread_mutex_unlock(&c->mu);
        if (back) give_back(c, &back, 1);
    }
}

/* The reading thread: reads the file a block at a time, hands each block to the caller's
 * function, and to the hashing and writing threads. */
static void *run(void *arg)
{
    struct pg_rawcopy *c = arg;
    static const char hex[] = "0123456789abcdef";
    int rc = 0, nbuf = 0, nwriters = 0, hashing = 0, flushing = 0;
    off_t off = 0;
    pthread_t writers[NWRITERS];
    c->md = EVP_MD_CTX_new();
    if (posix_memalign((void **)&c->ring, RING_ALIGN, (size_t)NBUF * BLOCK) == 0) {
        (void)madvise(c->ring, (size_t)NBUF * BLOCK, MADV_HUGEPAGE); /* a hint: may be refused */
        for (; nbuf < NBUF; nbuf++) c->own[nbuf] = c->ring + (size_t)nbuf * BLOCK;
    }
    if (!c->md || nbuf < NBUF || !EVP_DigestInit_ex(c->md, EVP_sha256(), NULL))
        rc = -ENOMEM, c->failed = "hash";
    if (rc == 0 && c->out >= 0) {
        struct stat sb;
        c->whole = fstat(c->in, &sb) == 0 && S_ISREG(sb.st_mode) && lseek(c->in, 0, SEEK_CUR) == 0;
        c->cloned = c->whole && ioctl(c->out, FICLONE, c->in) == 0;
        /* Straight to the disk when the file system takes it: the copy then costs no
         * page-cache pages and no memcpy of our own (measured: 0.7 s of system time instead of
         * 2.9 s for a 1.6 GB file on this VM), and the final fsync has only metadata left. */
        c->flags = fcntl(c->out, F_GETFL);
        c->direct = !c->cloned && c->flags >= 0 && fcntl(c->out, F_SETFL, c->flags | O_DIRECT) == 0;
        while (!c->cloned && nwriters < NWRITERS &&
               pthread_create(&writers[nwriters], NULL, write_blocks, c) == 0)
            nwriters++;
        if (!c->cloned && !nwriters) rc = -EAGAIN, c->failed = "copy";
        /* without it the copy is still durable, by the final fsync: not a failure */
        flushing = nwriters && pthread_create(&c->flusher, NULL, flush_copy, c) == 0;
    }
    if (rc == 0) {
        if (pthread_create(&c->hasher, NULL, hash_blocks, c) == 0)
            hashing = 1;
        else
            rc = -EAGAIN, c->failed = "hash";
    }
    /* nothing to write (a clone, or no copy): every block counts as written */
    int nowrite = c->out < 0 || c->cloned;
    for (long s = 0; rc == 0; s++) {
        int k = (int)(s % NBUF);
        pthread_mutex_lock(&c->mu);
        while (c->filled[k] && !c->werr) pthread_cond_wait(&c->cv, &c->mu);
        if (c->werr) rc = c->werr, c->failed = "copy";
        pthread_mutex_unlock(&c->mu);
        if (rc) break;
        /* the slot is free: nobody else looks at buf[k] until it is filled again */
        char *b = c->pl.place ? c->pl.place(c->ud) : NULL;
        c->placed[k] = b != NULL;
        c->buf[k] = b ? b : c->own[k];
        ssize_t n = read_block(c->in, c->buf[k]);
        if (n <= 0) {
            if (b) c->placed[k] = 0, c->pl.done(c->ud, b); /* nothing in it to hash or write */
            if (n < 0) rc = (int)n, c->failed = "read";
            break;
        }
        if (c->fn) c->fn(c->ud, c->buf[k], (size_t)n, (long long)off);
        c->len[k] = (size_t)n;
        c->at[k] = off;
        off += n;
        pthread_mutex_lock(&c->mu);
        c->seq[k] = s;
        c->hashed[k] = c->taken[k] = 0;
        c->written[k] = (unsigned char)nowrite;
        c->filled[k] = 1;
        c->nfilled = s + 1;
        pthread_cond_broadcast(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
    if (c->fn) c->fn(c->ud, NULL, 0, rc ? -1 : (long long)off); /* the end, or a failure */
    char *back[NBUF];
    int nback = 0;
    pthread_mutex_lock(&c->mu);
    c->done = 1;
    if (rc && !c->werr) c->werr = rc; /* the writers stop too */
    if (c->werr) nback = settle_failed(c, back);
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    give_back(c, back, nback);
    if (hashing) pthread_join(c->hasher, NULL);
    for (int i = 0; i < nwriters; i++) pthread_join(writers[i], NULL);
    if (flushing) pthread_join(c->flusher, NULL);
    if (rc == 0 && c->werr) rc = c->werr, c->failed = "copy";
    if (rc == 0 && c->ferr) rc = c->ferr, c->failed = "copy";
    if (rc == 0 && c->herr) rc = -ENOMEM, c->failed = "hash";
    if (rc == 0 && c->out >= 0 && fsync(c->out) != 0) rc = -errno, c->failed = "copy";
    unsigned char digest[32];
    unsigned len = 0;
    if (rc == 0 && !EVP_DigestFinal_ex(c->md, digest, &len)) rc = -ENOMEM, c->failed = "hash";
    for (unsigned i = 0; rc == 0 && i < 32; i++) {
        c->id[2 * i] = hex[digest[i] >> 4];
        c->id[2 * i + 1] = hex[digest[i] & 15];
    }
    c->id[64] = '\0';
    EVP_MD_CTX_free(c->md);
    free(c->ring);
    c->rc = rc;
    return NULL;
}

int pg_rawcopy_start_fd(int in, const char *name, const char *to, pg_rawcopy_fn fn, void *ud,
                        pg_rawcopy **out, pg_diags *d)
{
    return pg_rawcopy_start_into(in, name, to, fn, NULL, ud, out, d);
}

int pg_rawcopy_start_into(int in, const char *name, const char *to, pg_rawcopy_fn fn,
                          const pg_rawcopy_place *pl, void *ud, pg_rawcopy **out, pg_diags *d)
{
    struct pg_rawcopy *c = pg_xcalloc(1, sizeof *c);
    *out = NULL;
    c->in = in;
    c->fn = fn;
    if (pl) c->pl = *pl;
    c->ud = ud;
    (void)posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->out = to ? open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
    int e = to && c->out < 0 ? errno : 0;
    if (!e) e = pthread_create(&c->thread, NULL, run, c);
    if (e) {
        pg_error(d, to, 0, "cannot copy the batch here: %s", strerror(e));
        if (c->out >= 0) close(c->out), unlink(to);
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->mu);
        free(c);
        return -e;
    }
    c->name = pg_xstrdup(name);
    c->to = to ? pg_xstrdup(to) : NULL;
    *out = c;
    return 0;
}

int pg_rawcopy_start(const char *from, const char *to, pg_rawcopy **out, pg_diags *d)
{
    *out = NULL;
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        int e = errno;
        pg_error(d, from, 0, "cannot read: %s", strerror(e));
        return -e;
    }
    int rc = pg_rawcopy_start_fd(in, from, to, NULL, NULL, out, d);
    if (rc != 0)
        close(in);
    else
        (*out)->own_in = 1;
    return rc;
}

int pg_rawcopy_finish(pg_rawcopy *c, char id[65], pg_diags *d)
{
    pthread_join(c->thread, NULL);
    int rc = c->rc;
    if (c->out >= 0 && close(c->out) != 0 && rc == 0) rc = -errno, c->failed = "copy";
    if (c->own_in) close(c->in);
    if (rc == 0)
        memcpy(id, c->id, 65);
    else {
        /* a read fails at the input, a copy at the copy */
        pg_error(d, strcmp(c->failed, "read") == 0 || !c->to ? c->name : c->to, 0,
                 "cannot %s the batch: %s", c->failed, strerror(-rc));
        if (c->to) unlink(c->to);
    }
    free(c->name);
    free(c->to);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
    return rc;
}
