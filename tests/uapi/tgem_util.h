/* SPDX-License-Identifier: MIT */
/*
 * tgem_util.h - small userspace helpers shared by the tgem uAPI test and demo
 *
 * Finding the tgem render node, an ioctl wrapper that restarts on
 * EINTR/EAGAIN (as libdrm's drmIoctl() does), thin wrappers around the tgem
 * ioctls, and a position-dependent fill/check pattern for BO contents.
 *
 * Unless stated otherwise the int-returning helpers return 0 on success and
 * a negative errno on failure, so callers can compare against -EINVAL etc.
 */

#ifndef TGEM_UTIL_H
#define TGEM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * headers_install strips __user from the uAPI headers; the raw kernel
 * source tree (KHDR=$(KSRC)/include/uapi) still has it.
 */
#ifndef __user
#define __user
#endif

#include "tgem_drm.h"

#define TGEM_DRIVER_NAME	"tgem"
#define TGEM_RENDER_MIN		128
#define TGEM_RENDER_MAX		191

struct tgem_version {
	int major;
	int minor;
	int patchlevel;
	char name[64];
	char date[64];
	char desc[256];
};

struct tgem_config {
	uint32_t num_params;
	uint64_t flags;
	uint64_t min_alignment;
	uint64_t max_bo_size;
};

int tgem_ioctl(int fd, unsigned long request, void *arg);

int tgem_get_version(int fd, struct tgem_version *v);
int tgem_open_node(const char *prefix, int first, int last, const char *name,
		   char *path, size_t path_len);
int tgem_open(char *path, size_t path_len);

int tgem_query(int fd, uint32_t query, void **data, uint32_t *size);
int tgem_query_config(int fd, struct tgem_config *cfg);
int tgem_query_regions(int fd, struct drm_tgem_query_mem_regions **regions);

int tgem_bo_create(int fd, uint64_t *size, uint32_t placement, uint32_t flags,
		   uint32_t *handle);
int tgem_bo_mmap_offset(int fd, uint32_t handle, uint64_t *offset);
void *tgem_bo_map(int fd, uint32_t handle, size_t size);
int tgem_bo_wait(int fd, uint32_t handle, int64_t timeout_ns);
int tgem_bo_migrate(int fd, uint32_t handle, uint32_t region);
int tgem_bo_info(int fd, uint32_t handle, struct drm_tgem_gem_info *info);
int tgem_gem_close(int fd, uint32_t handle);
int tgem_prime_export(int fd, uint32_t handle, int *dmabuf);
int tgem_prime_import(int fd, int dmabuf, uint32_t *handle);
int tgem_sysfs_write(const char *path, const char *val);

/* A child memory cgroup of the cgroup2 root that this process moved into. */
struct tgem_memcg {
	char root[64];
	char dir[128];
	bool mounted;
};

int tgem_memcg_enter(struct tgem_memcg *m, const char *max);
void tgem_memcg_leave(struct tgem_memcg *m);
long long tgem_memcg_read(const struct tgem_memcg *m, const char *file);
int tgem_region_usage(int fd, uint32_t instance, uint64_t *used,
		      uint64_t *total);

int tgem_ctx_create(int fd, uint32_t *ctx_id);
int tgem_ctx_destroy(int fd, uint32_t ctx_id);
int tgem_execbuf(int fd, struct drm_tgem_execbuf *eb);

/*
 * The address tgem_submit_pinned() softpins a BO at: 1 MiB times its
 * handle, so BOs of up to 1 MiB never overlap and page 0 stays unmapped.
 */
#define TGEM_PIN_ADDR(handle)	(0x100000ull * (handle))

int tgem_submit_pinned(int fd, uint32_t ctx, const uint32_t *handles,
		       unsigned int n, unsigned int batch, uint32_t writable,
		       uint32_t batch_len);

struct tgem_exec_stats {
	long long execbufs;
	long long relocs_applied;
	long long relocs_skipped;
	long long slow_paths;
};

/* One counter of a tgem debugfs file of "key value" lines. */
struct tgem_stat_key {
	const char *name;
	long long *val;
};

int tgem_debugfs_path(const char *name, char *path, size_t len);
int tgem_stats_read(const char *path, const struct tgem_stat_key *keys,
		    size_t n);
int tgem_exec_stats_path(char *path, size_t len);
int tgem_exec_stats_read(const char *path, struct tgem_exec_stats *s);

int64_t tgem_now_ns(void);

void tgem_fill(void *ptr, size_t size, uint32_t seed);
ssize_t tgem_check(const void *ptr, size_t size, uint32_t seed);

#endif /* TGEM_UTIL_H */
