/* Answer fields → what a program gets (proxy_answer.h). The proxy is trusted but not assumed
 * well-formed: an out-of-range errno would otherwise reach the kernel as a positive return
 * value (or overflow when negated), a negative time as a tv_nsec outside [0, 10^9). */
#include <string.h>
#include <sys/sysmacros.h>
#include "proxy_answer.h"

#define MAX_ERRNO 4095   /* the kernel's -MAX_ERRNO..-1 error range */

int km_answer_errno(int32_t code, int fallback)
{
	return code >= 1 && code <= MAX_ERRNO ? code : fallback;
}

/* Milliseconds since the epoch (negative before it) as seconds + nanoseconds in [0, 10^9). */
static void ms_to_ts(int64_t ms, int64_t *sec, uint32_t *nsec)
{
	int64_t s = ms / 1000, rem = ms % 1000;
	if (rem < 0) { rem += 1000; s -= 1; }
	*sec = s;
	*nsec = (uint32_t)(rem * 1000000);
}

void km_answer_stat(const Kmirror__Layer__V1__FileStat *s, struct stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_dev = (dev_t)s->dev; st->st_ino = (ino_t)s->ino; st->st_nlink = (nlink_t)s->nlink;
	st->st_mode = s->mode; st->st_uid = s->uid; st->st_gid = s->gid;
	st->st_size = (off_t)s->size; st->st_blksize = 4096; st->st_blocks = (blkcnt_t)(s->size / 512 + (s->size % 512 != 0));
	int64_t sec; uint32_t ns;
	ms_to_ts(s->atime_ms, &sec, &ns); st->st_atim.tv_sec = sec; st->st_atim.tv_nsec = ns;
	ms_to_ts(s->mtime_ms, &sec, &ns); st->st_mtim.tv_sec = sec; st->st_mtim.tv_nsec = ns;
	ms_to_ts(s->ctime_ms, &sec, &ns); st->st_ctim.tv_sec = sec; st->st_ctim.tv_nsec = ns;
}

void km_answer_statx(const Kmirror__Layer__V1__FileStat *s, struct statx *sx)
{
	memset(sx, 0, sizeof *sx);
	sx->stx_mask = STATX_BASIC_STATS;
	sx->stx_blksize = 4096; sx->stx_nlink = (uint32_t)s->nlink; sx->stx_uid = s->uid; sx->stx_gid = s->gid;
	sx->stx_mode = (uint16_t)s->mode; sx->stx_ino = s->ino; sx->stx_size = s->size;
	sx->stx_blocks = s->size / 512 + (s->size % 512 != 0);
	int64_t sec; uint32_t ns;
	ms_to_ts(s->atime_ms, &sec, &ns); sx->stx_atime.tv_sec = sec; sx->stx_atime.tv_nsec = ns;
	ms_to_ts(s->mtime_ms, &sec, &ns); sx->stx_mtime.tv_sec = sec; sx->stx_mtime.tv_nsec = ns;
	ms_to_ts(s->ctime_ms, &sec, &ns); sx->stx_ctime.tv_sec = sec; sx->stx_ctime.tv_nsec = ns;
	sx->stx_dev_major = major(s->dev); sx->stx_dev_minor = minor(s->dev);
}

void km_answer_statfs(const Kmirror__Layer__V1__StatfsResult *s, struct statfs *st)
{
	memset(st, 0, sizeof *st);
	st->f_type = (__fsword_t)s->type; st->f_bsize = (__fsword_t)s->bsize;
	st->f_blocks = s->blocks; st->f_bfree = s->bfree; st->f_bavail = s->bavail;
	st->f_files = s->files; st->f_ffree = s->ffree; st->f_namelen = (__fsword_t)s->namelen;
	st->f_frsize = (__fsword_t)s->bsize;
}

bool km_answer_entry_name_ok(const char *name)
{
	return name && name[0] && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}
