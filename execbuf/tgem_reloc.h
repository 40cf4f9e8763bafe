/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_RELOC_H_
#define _TGEM_RELOC_H_

#include <linux/types.h>

#include "execbuf/tgem_reloc_types.h"

struct drm_tgem_exec_object;

/* Relocation entries read per copy: one page of them. */
#define TGEM_RELOC_CHUNK	(PAGE_SIZE / sizeof(struct drm_tgem_relocation_entry))

int tgem_reloc_array_bytes(u64 count, size_t *bytes);
int tgem_reloc_total(const struct drm_tgem_exec_object *uobjs, u32 count,
		     u64 *total);
u32 tgem_reloc_chunk(u32 count, u32 done);

int tgem_reloc_set_init(struct tgem_reloc_set *set,
			const struct drm_tgem_exec_object *uobjs, u32 count,
			bool lut);
void tgem_reloc_set_fini(struct tgem_reloc_set *set);
int tgem_reloc_set_lookup(const struct tgem_reloc_set *set, u32 target_handle);

int tgem_reloc_check(const struct tgem_reloc_set *set,
		     const struct drm_tgem_relocation_entry *r, u64 dst_size);
u64 tgem_reloc_value(u64 target_addr, u64 delta);

int tgem_reloc_read(const struct tgem_reloc_src *src, u32 first, u32 n,
		    struct drm_tgem_relocation_entry *buf);
int tgem_reloc_validate(const struct tgem_reloc_set *set,
			const struct tgem_reloc_src *src, u64 dst_size,
			struct drm_tgem_relocation_entry *buf);
int tgem_reloc_apply(const struct tgem_reloc_set *set,
		     const struct tgem_reloc_src *src, u64 dst_size,
		     struct tgem_reloc_cache *cache,
		     struct drm_tgem_relocation_entry *buf,
		     struct tgem_reloc_stats *stats);
void tgem_reloc_writeback(const struct tgem_reloc_set *set,
			  struct drm_tgem_relocation_entry __user *user,
			  u32 count, struct drm_tgem_relocation_entry *buf);

#endif
