/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_GPUVM_H_
#define _TGEM_GPUVM_H_

#include <linux/bitops.h>
#include <linux/types.h>

#include "execbuf/tgem_gpuvm_types.h"

struct drm_file;
struct drm_gem_object;

/* Bits of a GPU address; the space is [TGEM_GPUVM_START, TGEM_GPUVM_END). */
#define TGEM_GPUVM_BITS		48
#define TGEM_GPUVM_START	((u64)PAGE_SIZE)
#define TGEM_GPUVM_END		BIT_ULL(TGEM_GPUVM_BITS)
/* Canonical addresses are not contiguous across the middle of the space. */
#define TGEM_GPUVM_HOLE		BIT_ULL(TGEM_GPUVM_BITS - 1)

/**
 * tgem_gpuvm_canonical() - The canonical form of a GPU address
 * @addr: an address; only bits 47..0 count
 *
 * Return: @addr with bits 63..48 copies of bit 47.
 */
static inline u64 tgem_gpuvm_canonical(u64 addr)
{
	return (u64)sign_extend64(addr, TGEM_GPUVM_BITS - 1);
}

/**
 * tgem_gpuvm_noncanonical() - The 48-bit form of a GPU address
 * @addr: an address in canonical form
 *
 * Return: bits 47..0 of @addr.
 */
static inline u64 tgem_gpuvm_noncanonical(u64 addr)
{
	return addr & (TGEM_GPUVM_END - 1);
}

void tgem_gpuvm_init(struct tgem_gpuvm *vm, u64 start, u64 end);
void tgem_gpuvm_fini(struct tgem_gpuvm *vm);
int tgem_gpuvm_check_pin(const struct tgem_gpuvm *vm, u64 canonical, u64 size,
			 u64 *addr);
int tgem_gpuvm_bind(struct tgem_gpuvm *vm, struct tgem_gpuvm_req *reqs,
		    unsigned int count);
bool tgem_gpuvm_all_bound_at(struct tgem_gpuvm *vm,
			     struct tgem_gpuvm_req *reqs, unsigned int count);
int tgem_gpuvm_lookup(struct tgem_gpuvm *vm, struct drm_gem_object *obj,
		      u64 *addr);
void tgem_gpuvm_unbind(struct tgem_gpuvm *vm, struct drm_gem_object *obj);
int tgem_gpuvm_handle_open(struct tgem_gpuvm *vm, struct drm_gem_object *obj);
void tgem_gpuvm_handle_close(struct tgem_gpuvm *vm, struct drm_gem_object *obj);
int tgem_gpuvm_gem_open(struct drm_gem_object *obj, struct drm_file *file);
void tgem_gpuvm_gem_close(struct drm_gem_object *obj, struct drm_file *file);

#endif
