// SPDX-License-Identifier: MIT
/*
 * tgem_util.c - small userspace helpers shared by the tgem uAPI test and demo
 *
 * See tgem_util.h. Nothing here asserts: every helper reports failure as a
 * negative errno (or MAP_FAILED with errno set) and leaves the policy to the
 * caller.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tgem_util.h"

/* Like drmIoctl(): restart on EINTR/EAGAIN, but return -errno. */
int tgem_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));

	return ret == -1 ? -errno : 0;
}

int tgem_get_version(int fd, struct tgem_version *v)
{
	struct drm_version dv;
	int ret;

	memset(v, 0, sizeof(*v));
	memset(&dv, 0, sizeof(dv));
	/* Leave room for the NUL: the kernel does not write one. */
	dv.name = v->name;
	dv.name_len = sizeof(v->name) - 1;
	dv.date = v->date;
	dv.date_len = sizeof(v->date) - 1;
	dv.desc = v->desc;
	dv.desc_len = sizeof(v->desc) - 1;

	ret = tgem_ioctl(fd, DRM_IOCTL_VERSION, &dv);
	if (ret)
		return ret;

	v->major = dv.version_major;
	v->minor = dv.version_minor;
	v->patchlevel = dv.version_patchlevel;
	return 0;
}

/*
 * Open the first node <prefix><n>, n in [first, last], whose driver is
 * @name. Returns the fd, or -ENODEV. The node's path is copied to @path
 * when it is not NULL.
 */
int tgem_open_node(const char *prefix, int first, int last, const char *name,
		   char *path, size_t path_len)
{
	struct tgem_version v;
	char node[64];
	int i, fd;

	for (i = first; i <= last; i++) {
		snprintf(node, sizeof(node), "%s%d", prefix, i);
		fd = open(node, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!tgem_get_version(fd, &v) && !strcmp(v.name, name)) {
			if (path)
				snprintf(path, path_len, "%s", node);
			return fd;
		}
		close(fd);
	}

	return -ENODEV;
}

/*
 * Open the first render node whose driver is tgem. Other DRM drivers (vgem,
 * a real GPU) may own other nodes.
 */
int tgem_open(char *path, size_t path_len)
{
	return tgem_open_node("/dev/dri/renderD", TGEM_RENDER_MIN, TGEM_RENDER_MAX,
			      TGEM_DRIVER_NAME, path, path_len);
}

/*
 * Two-call DEVICE_QUERY: ask for the size, then fetch into a malloc()ed
 * buffer the caller frees.
 */
int tgem_query(int fd, uint32_t query, void **data, uint32_t *size)
{
	struct drm_tgem_device_query q;
	void *buf;
	int ret;

	memset(&q, 0, sizeof(q));
	q.query = query;
	ret = tgem_ioctl(fd, DRM_IOCTL_TGEM_DEVICE_QUERY, &q);
	if (ret)
		return ret;
	if (q.size == 0)
		return -EPROTO;

	buf = calloc(1, q.size);
	if (!buf)
		return -ENOMEM;

	q.data = (uintptr_t)buf;
	ret = tgem_ioctl(fd, DRM_IOCTL_TGEM_DEVICE_QUERY, &q);
	if (ret) {
		free(buf);
		return ret;
	}

	*data = buf;
	*size = q.size;
	return 0;
}

int tgem_query_config(int fd, struct tgem_config *cfg)
{
	struct drm_tgem_query_config *c;
	uint32_t size;
	int ret;

	ret = tgem_query(fd, DRM_TGEM_DEVICE_QUERY_CONFIG, (void **)&c, &size);
	if (ret)
		return ret;

	if (size < sizeof(*c) + 3 * sizeof(c->info[0]) ||
	    c->num_params < 3 ||
	    size < sizeof(*c) + c->num_params * sizeof(c->info[0])) {
		free(c);
		return -EPROTO;
	}

	cfg->num_params = c->num_params;
	cfg->flags = c->info[DRM_TGEM_QUERY_CONFIG_FLAGS];
	cfg->min_alignment = c->info[DRM_TGEM_QUERY_CONFIG_MIN_ALIGNMENT];
	cfg->max_bo_size = c->info[DRM_TGEM_QUERY_CONFIG_MAX_BO_SIZE];
	free(c);
	return 0;
}

/* The caller frees *@regions. */
int tgem_query_regions(int fd, struct drm_tgem_query_mem_regions **regions)
{
	struct drm_tgem_query_mem_regions *r;
	uint32_t size;
	int ret;

	ret = tgem_query(fd, DRM_TGEM_DEVICE_QUERY_MEM_REGIONS, (void **)&r,
			 &size);
	if (ret)
		return ret;

	if (size < sizeof(*r) ||
	    size < sizeof(*r) + (size_t)r->num_regions * sizeof(r->regions[0])) {
		free(r);
		return -EPROTO;
	}

	*regions = r;
	return 0;
}

/* *@size is in/out: the kernel writes back the rounded size. */
int tgem_bo_create(int fd, uint64_t *size, uint32_t placement, uint32_t flags,
		   uint32_t *handle)
{
	struct drm_tgem_gem_create c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.size = *size;
	c.placement = placement;
	c.flags = flags;
	ret = tgem_ioctl(fd, DRM_IOCTL_TGEM_GEM_CREATE, &c);
	if (ret)
		return ret;

	*size = c.size;
	*handle = c.handle;
	return 0;
}

int tgem_bo_mmap_offset(int fd, uint32_t handle, uint64_t *offset)
{
	struct drm_tgem_gem_mmap_offset m;
	int ret;

	memset(&m, 0, sizeof(m));
	m.handle = handle;
	ret = tgem_ioctl(fd, DRM_IOCTL_TGEM_GEM_MMAP_OFFSET, &m);
	if (ret)
		return ret;

	*offset = m.offset;
	return 0;
}

/* Shared read/write mapping of the first @size bytes; MAP_FAILED + errno. */
void *tgem_bo_map(int fd, uint32_t handle, size_t size)
{
	uint64_t offset;
	int ret;

	ret = tgem_bo_mmap_offset(fd, handle, &offset);
	if (ret) {
		errno = -ret;
		return MAP_FAILED;
	}

	return mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    (off_t)offset);
}

int tgem_bo_wait(int fd, uint32_t handle, int64_t timeout_ns)
{
	struct drm_tgem_gem_wait w;

	memset(&w, 0, sizeof(w));
	w.handle = handle;
	w.timeout_ns = timeout_ns;
	return tgem_ioctl(fd, DRM_IOCTL_TGEM_GEM_WAIT, &w);
}

int tgem_bo_migrate(int fd, uint32_t handle, uint32_t region)
{
	struct drm_tgem_gem_migrate m;

	memset(&m, 0, sizeof(m));
	m.handle = handle;
	m.region = region;
	return tgem_ioctl(fd, DRM_IOCTL_TGEM_GEM_MIGRATE, &m);
}

/* *@info is filled only on success. */
int tgem_bo_info(int fd, uint32_t handle, struct drm_tgem_gem_info *info)
{
	struct drm_tgem_gem_info i;
	int ret;

	memset(&i, 0, sizeof(i));
	i.handle = handle;
	ret = tgem_ioctl(fd, DRM_IOCTL_TGEM_GEM_INFO, &i);
	if (ret)
		return ret;

	*info = i;
	return 0;
}

int tgem_gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c;

	memset(&c, 0, sizeof(c));
	c.handle = handle;
	return tgem_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

/* A dma-buf of @handle, close-on-exec, mappable read-write; -1 on failure. */
int tgem_prime_export(int fd, uint32_t handle, int *dmabuf)
{
	struct drm_prime_handle p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.handle = handle;
	p.flags = DRM_CLOEXEC | DRM_RDWR;
	p.fd = -1;
	ret = tgem_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
	*dmabuf = ret ? -1 : p.fd;
	return ret;
}

/* The handle of @dmabuf in @fd (the one it has already, if any); 0 on failure. */
int tgem_prime_import(int fd, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.fd = dmabuf;
	ret = tgem_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
	*handle = ret ? 0 : p.handle;
	return ret;
}

/* Write @val to a sysfs (or procfs) file in one write(). */
int tgem_sysfs_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	return n == (ssize_t)len ? 0 : -EIO;
}

/* Write @val to @dir/@file. */
static int tgem_write_at(const char *dir, const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return tgem_sysfs_write(path, val);
}

/*
 * Move this process into a new child cgroup of the cgroup2 root, with
 * memory.max @max ("max" for none). Mounts cgroup2 on /sys/fs/cgroup if
 * nothing is there. Returns 0, or a negative errno with nothing left
 * behind. Needs root.
 */
int tgem_memcg_enter(struct tgem_memcg *m, const char *max)
{
	char pid[16], path[128];
	int ret;

	memset(m, 0, sizeof(*m));
	snprintf(m->root, sizeof(m->root), "/sys/fs/cgroup");
	snprintf(path, sizeof(path), "%s/cgroup.controllers", m->root);
	if (access(path, F_OK)) {
		if (mount("cgroup2", m->root, "cgroup2", 0, NULL))
			return -errno;
		m->mounted = true;
	}
	ret = tgem_write_at(m->root, "cgroup.subtree_control", "+memory");
	if (ret)
		goto out_umount;

	snprintf(m->dir, sizeof(m->dir), "%s/tgem-%d", m->root, getpid());
	if (mkdir(m->dir, 0755)) {
		ret = -errno;
		m->dir[0] = 0;
		goto out_umount;
	}
	snprintf(pid, sizeof(pid), "%d", getpid());
	ret = tgem_write_at(m->dir, "memory.max", max);
	if (!ret)
		ret = tgem_write_at(m->dir, "cgroup.procs", pid);
	if (ret) {
		rmdir(m->dir);
		m->dir[0] = 0;
		goto out_umount;
	}
	return 0;

out_umount:
	if (m->mounted)
		umount2(m->root, MNT_DETACH);
	return ret;
}

/* Back to the root cgroup; the child goes, and cgroup2 if we mounted it. */
void tgem_memcg_leave(struct tgem_memcg *m)
{
	char pid[16];

	if (!m->dir[0])
		return;
	snprintf(pid, sizeof(pid), "%d", getpid());
	tgem_write_at(m->root, "cgroup.procs", pid);
	rmdir(m->dir);
	m->dir[0] = 0;
	if (m->mounted)
		umount2(m->root, MNT_DETACH);
}

/* A number file of the cgroup (memory.current, ...); -1 on error. */
long long tgem_memcg_read(const struct tgem_memcg *m, const char *file)
{
	char path[256], buf[64] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", m->dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoll(buf) : -1;
}

/*
 * 'used' and 'total_size' of the region with instance @instance, from
 * QUERY_MEM_REGIONS; -ENOENT if the device has no such region.
 */
int tgem_region_usage(int fd, uint32_t instance, uint64_t *used,
		      uint64_t *total)
{
	struct drm_tgem_query_mem_regions *r;
	uint32_t i;
	int ret;

	ret = tgem_query_regions(fd, &r);
	if (ret)
		return ret;

	ret = -ENOENT;
	for (i = 0; i < r->num_regions; i++) {
		if (r->regions[i].instance != instance)
			continue;
		if (used)
			*used = r->regions[i].used;
		if (total)
			*total = r->regions[i].total_size;
		ret = 0;
		break;
	}
	free(r);
	return ret;
}

/* *@ctx_id is written only on success. */
int tgem_ctx_create(int fd, uint32_t *ctx_id)
{
	struct drm_tgem_context_create c;
	int ret;

	memset(&c, 0, sizeof(c));
	ret = tgem_ioctl(fd, DRM_IOCTL_TGEM_CONTEXT_CREATE, &c);
	if (ret)
		return ret;
	*ctx_id = c.ctx_id;
	return 0;
}

int tgem_ctx_destroy(int fd, uint32_t ctx_id)
{
	struct drm_tgem_context_destroy d;

	memset(&d, 0, sizeof(d));
	d.ctx_id = ctx_id;
	return tgem_ioctl(fd, DRM_IOCTL_TGEM_CONTEXT_DESTROY, &d);
}

/* DRM_IOCTL_TGEM_EXECBUF as given: no field is filled in for the caller. */
int tgem_execbuf(int fd, struct drm_tgem_execbuf *eb)
{
	return tgem_ioctl(fd, DRM_IOCTL_TGEM_EXECBUF, eb);
}

/*
 * Execbuf @n (at most 16) BOs without relocations, each softpinned at
 * TGEM_PIN_ADDR(handle); @handles[@batch] holds the batch at offset 0, and
 * bit i of @writable marks @handles[i] as written.
 */
int tgem_submit_pinned(int fd, uint32_t ctx, const uint32_t *handles,
		       unsigned int n, unsigned int batch, uint32_t writable,
		       uint32_t batch_len)
{
	struct drm_tgem_exec_object objs[16];
	struct drm_tgem_execbuf eb;
	unsigned int i;

	if (n > 16)
		return -E2BIG;
	memset(objs, 0, sizeof(objs));
	for (i = 0; i < n; i++) {
		objs[i].handle = handles[i];
		objs[i].offset = TGEM_PIN_ADDR(handles[i]);
		objs[i].flags = DRM_TGEM_EXEC_OBJECT_PINNED;
		if (writable & (1u << i))
			objs[i].flags |= DRM_TGEM_EXEC_OBJECT_WRITE;
	}
	memset(&eb, 0, sizeof(eb));
	eb.objects_ptr = (uintptr_t)objs;
	eb.num_objects = n;
	eb.batch_index = batch;
	eb.batch_len = batch_len;
	eb.ctx_id = ctx;
	return tgem_execbuf(fd, &eb);
}

/* The debugfs file @name of the first tgem device (needs root and debugfs). */
int tgem_debugfs_path(const char *name, char *path, size_t len)
{
	char pattern[128];
	glob_t g;
	int ret = -ENOENT;

	snprintf(pattern, sizeof(pattern), "/sys/kernel/debug/dri/*/%s", name);
	if (!glob(pattern, 0, NULL, &g) && g.gl_pathc >= 1) {
		snprintf(path, len, "%s", g.gl_pathv[0]);
		ret = 0;
	}
	globfree(&g);
	return ret;
}

/*
 * Reads a tgem counters file ("key value" lines): each of the @n @keys
 * gets its value, or 0 if the file does not have it.
 */
int tgem_stats_read(const char *path, const struct tgem_stat_key *keys,
		    size_t n)
{
	char key[32];
	long long val;
	size_t i;
	FILE *f;

	for (i = 0; i < n; i++)
		*keys[i].val = 0;
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fscanf(f, "%31s %lld", key, &val) == 2)
		for (i = 0; i < n; i++)
			if (!strcmp(key, keys[i].name))
				*keys[i].val = val;
	fclose(f);
	return 0;
}

/* The debugfs file of the execbuf counters (needs root and debugfs). */
int tgem_exec_stats_path(char *path, size_t len)
{
	return tgem_debugfs_path("tgem_exec_stats", path, len);
}

int tgem_exec_stats_read(const char *path, struct tgem_exec_stats *s)
{
	const struct tgem_stat_key keys[] = {
		{ "execbufs", &s->execbufs },
		{ "relocs_applied", &s->relocs_applied },
		{ "relocs_skipped", &s->relocs_skipped },
		{ "slow_paths", &s->slow_paths },
	};

	return tgem_stats_read(path, keys, sizeof(keys) / sizeof(keys[0]));
}

/* CLOCK_MONOTONIC in ns: the clock GEM_WAIT and SYNCOBJ_WAIT deadlines use. */
int64_t tgem_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * The pattern depends on the seed and on the position, so a stale buffer, a
 * different buffer or a mapping shifted by any number of words all fail the
 * check. The multiplier is odd, so word values do not repeat within 16 GiB.
 */
static inline uint32_t tgem_pattern(uint32_t seed, size_t word)
{
	return ((uint32_t)word * 0x9e3779b1u) ^ seed;
}

void tgem_fill(void *ptr, size_t size, uint32_t seed)
{
	size_t words = size / sizeof(uint32_t);
	uint32_t *p = ptr;
	uint8_t *tail;
	size_t i;

	for (i = 0; i < words; i++)
		p[i] = tgem_pattern(seed, i);

	tail = (uint8_t *)(p + words);
	for (i = 0; i < size % sizeof(uint32_t); i++)
		tail[i] = (uint8_t)tgem_pattern(seed, words + i);
}

/* -1 if @ptr holds the pattern, else the byte offset of the first mismatch. */
ssize_t tgem_check(const void *ptr, size_t size, uint32_t seed)
{
	size_t words = size / sizeof(uint32_t);
	const uint32_t *p = ptr;
	const uint8_t *tail;
	size_t i;

	for (i = 0; i < words; i++)
		if (p[i] != tgem_pattern(seed, i))
			return (ssize_t)(i * sizeof(uint32_t));

	tail = (const uint8_t *)(p + words);
	for (i = 0; i < size % sizeof(uint32_t); i++)
		if (tail[i] != (uint8_t)tgem_pattern(seed, words + i))
			return (ssize_t)(words * sizeof(uint32_t) + i);

	return -1;
}
