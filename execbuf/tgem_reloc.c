// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Relocations
 *
 * One relocation (&struct drm_tgem_relocation_entry) means: write the
 * 64-bit canonical GPU address of the target object plus a delta at this
 * offset of this object. This file holds the parts of it that need no
 * device, so KUnit tests them directly:
 *
 *  - sizes: tgem_reloc_array_bytes() and tgem_reloc_total() turn counts
 *    into byte sizes with overflow checks and the
 *    %DRM_TGEM_EXEC_MAX_RELOCS bound, so no count can wrap an allocation
 *    or an access_ok() range (the class of CVE-2013-0913, where a sum of
 *    relocation counts overflowed a 32-bit size);
 *  - targets: a &struct tgem_reloc_set maps target handles (or, with
 *    HANDLE_LUT, indices) to the objects of the execbuf, and refuses
 *    duplicate handles;
 *  - checks: tgem_reloc_check() refuses nonzero flags, an offset that is
 *    not 8-byte aligned or whose 8 bytes do not fit in the object, and an
 *    unknown target;
 *  - chunking: entries are read TGEM_RELOC_CHUNK at a time into one
 *    page-sized buffer, by tgem_reloc_read(), from the user's array with
 *    page faults disabled (``pagefault_disable()`` and
 *    ``__copy_from_user_inatomic()``: the caller holds dma_resv locks, and
 *    a fault could need one of them), or from a kernel copy;
 *  - the two passes: tgem_reloc_validate() checks every entry before
 *    anything is written, so a bad entry leaves no BO changed;
 *    tgem_reloc_apply() then writes every relocation whose presumed
 *    offset is wrong through a &struct tgem_reloc_cache, checking each
 *    entry again (userspace may have changed it in between);
 *  - tgem_reloc_writeback() puts the real addresses into the user's
 *    presumed_offset fields afterwards, with no lock held, and gives up
 *    silently at the first entry it cannot write (read-only memory).
 *
 * A read that faults returns -EFAULT; the execbuf then takes its slow
 * path (see "User command execution").
 */

#include <linux/bsearch.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <kunit/visibility.h>
#include <uapi/drm/tgem_drm.h>

#include "execbuf/tgem_gpuvm.h"
#include "execbuf/tgem_reloc.h"
#include "execbuf/tgem_reloc_cache.h"

static_assert(sizeof(struct drm_tgem_relocation_entry) == 32);

/**
 * tgem_reloc_array_bytes() - Byte size of a relocation array
 * @count: number of entries, as userspace gave it
 * @bytes: out: the size in bytes
 *
 * Context: Any context.
 * Return: 0, or -EINVAL if @count is above %DRM_TGEM_EXEC_MAX_RELOCS or
 * the size would overflow.
 */
int tgem_reloc_array_bytes(u64 count, size_t *bytes)
{
	size_t n;

	if (count > DRM_TGEM_EXEC_MAX_RELOCS)
		return -EINVAL;
	if (check_mul_overflow((size_t)count,
			       sizeof(struct drm_tgem_relocation_entry), &n))
		return -EINVAL;
	*bytes = n;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_reloc_array_bytes);

/**
 * tgem_reloc_total() - Number of relocations of an execbuf
 * @uobjs: the exec objects
 * @count: entries in @uobjs
 * @total: out: the sum of their relocation counts
 *
 * Context: Any context.
 * Return: 0, or -EINVAL if the sum overflows or is above
 * %DRM_TGEM_EXEC_MAX_RELOCS.
 */
int tgem_reloc_total(const struct drm_tgem_exec_object *uobjs, u32 count,
		     u64 *total)
{
	u64 sum = 0;
	u32 i;

	for (i = 0; i < count; i++)
		if (check_add_overflow(sum, (u64)uobjs[i].relocation_count, &sum) ||
		    sum > DRM_TGEM_EXEC_MAX_RELOCS)
			return -EINVAL;
	*total = sum;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_reloc_total);

/**
 * tgem_reloc_chunk() - How many entries the next read takes
 * @count: entries in the array
 * @done: entries already read, at most @count
 *
 * Context: Any context.
 * Return: min(@count - @done, %TGEM_RELOC_CHUNK); 0 at the end.
 */
u32 tgem_reloc_chunk(u32 count, u32 done)
{
	return min_t(u32, count - done, TGEM_RELOC_CHUNK);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_reloc_chunk);

static int tgem_reloc_handle_cmp(const void *a, const void *b)
{
	const struct tgem_reloc_handle *ha = a, *hb = b;

	if (ha->handle != hb->handle)
		return ha->handle < hb->handle ? -1 : 1;
	return 0;
}

/**
 * tgem_reloc_set_init() - Build the target table of an execbuf
 * @set: the table
 * @uobjs: the exec objects, as userspace passed them
 * @count: entries in @uobjs, nonzero
 * @lut: target handles are indices (%DRM_TGEM_EXEC_HANDLE_LUT)
 *
 * Fills &tgem_reloc_obj.handle; the caller fills the sizes and, once the
 * objects are bound, the addresses.
 *
 * Context: Process context; allocates with GFP_KERNEL.
 * Return: 0; -EINVAL if a handle appears twice; -ENOMEM. On failure
 * nothing is left allocated.
 */
int tgem_reloc_set_init(struct tgem_reloc_set *set,
			const struct drm_tgem_exec_object *uobjs, u32 count,
			bool lut)
{
	u32 i;

	set->count = count;
	set->lut = lut;
	set->objs = kvcalloc(count, sizeof(*set->objs), GFP_KERNEL);
	set->by_handle = kvmalloc_array(count, sizeof(*set->by_handle),
					GFP_KERNEL);
	if (!set->objs || !set->by_handle) {
		tgem_reloc_set_fini(set);
		return -ENOMEM;
	}

	for (i = 0; i < count; i++) {
		set->objs[i].handle = uobjs[i].handle;
		set->by_handle[i].handle = uobjs[i].handle;
		set->by_handle[i].index = i;
	}
	sort(set->by_handle, count, sizeof(*set->by_handle),
	     tgem_reloc_handle_cmp, NULL);
	for (i = 1; i < count; i++) {
		if (set->by_handle[i].handle == set->by_handle[i - 1].handle) {
			tgem_reloc_set_fini(set);
			return -EINVAL;
		}
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_reloc_set_init);

/**
 * tgem_reloc_set_fini() - Free a target table
 * @set: the table; may be partly built
 *
 * Context: Process context.
 */
void tgem_reloc_set_fini(struct tgem_reloc_set *set)
{
	kvfree(set->objs);
	kvfree(set->by_handle);
	set->objs = NULL;
	set->by_handle = NULL;
	set->count = 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_reloc_set_fini);

/**
 * tgem_reloc_set_lookup() - Which object a relocation targets
 * @set: the table
 * @target_handle: &drm_tgem_relocation_entry.target_handle
 *
 * Context: Any context.
 * Return: the object's index in the exec object array, or -ENOENT if no
 * object of the execbuf has that handle (or, with HANDLE_LUT, that index).
 */
int tgem_reloc_set_lookup(const struct tgem_reloc_set *set, u32 target_handle)
{
	const struct tgem_reloc_handle key = { .handle = target_handle };
	const struct tgem_reloc_handle *h;

	if (set->lut)
		return target_handle < set->count ? target_handle : -ENOENT;

	h = bsearch(&key, set->by_handle, set->count, sizeof(*h),
		    tgem_reloc_handle_cmp);
	return h ? h->index : -ENOENT;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_reloc_set_lookup);

/**
 * tgem_reloc_check() - Check one relocation entry
 * @set: the targets
 * @r: the entry
 * @dst_size: bytes of the object the entry patches
 *
 * Context: Any context.
 * Return: the target's index; -EINVAL if the flags are not 0, the offset
 * is not 8-byte aligned or its 8 bytes do not fit in the object; -ENOENT
 * if the target is not an object of the execbuf.
 */
int tgem_reloc_check(const struct tgem_reloc_set *set,
		     const struct drm_tgem_relocation_entry *r, u64 dst_size)
{
	if (r->flags)
		return -EINVAL;
	if (!IS_ALIGNED(r->offset, sizeof(u64)))
		return -EINVAL;
	if (dst_size < sizeof(u64) || r->offset > dst_size - sizeof(u64))
		return -EINVAL;
	return tgem_reloc_set_lookup(set, r->target_handle);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_reloc_check);

/**
 * tgem_reloc_value() - The value a relocation writes
 * @target_addr: the target's GPU address, canonical
 * @delta: &drm_tgem_relocation_entry.delta
 *
 * Context: Any context.
 * Return: the canonical form of @target_addr + @delta (modulo 2^64).
 */
u64 tgem_reloc_value(u64 target_addr, u64 delta)
{
	return tgem_gpuvm_canonical(target_addr + delta);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_reloc_value);

/**
 * tgem_reloc_read() - Read a chunk of relocation entries
 * @src: the array
 * @first: index of the first entry to read
 * @n: entries to read; @first + @n at most @src->count
 * @buf: where to put them
 *
 * Reads from user memory with page faults disabled: this never sleeps
 * and never takes a lock (mmap_lock included), so it is safe with dma_resv
 * locks held.
 *
 * Context: Any context that may access user memory.
 * Return: 0, or -EFAULT if the memory is not mapped (or not readable);
 * the caller may then retry with faults allowed and no lock held.
 */
int tgem_reloc_read(const struct tgem_reloc_src *src, u32 first, u32 n,
		    struct drm_tgem_relocation_entry *buf)
{
	unsigned long left;

	if (WARN_ON_ONCE(first > src->count || n > src->count - first))
		return -EINVAL;

	if (src->kernel) {
		memcpy(buf, src->kernel + first, n * sizeof(*buf));
		return 0;
	}

	pagefault_disable();
	left = __copy_from_user_inatomic(buf, src->user + first,
					 n * sizeof(*buf));
	pagefault_enable();
	return left ? -EFAULT : 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_reloc_read);

/**
 * tgem_reloc_validate() - Check every relocation of one object
 * @set: the targets
 * @src: the object's relocation entries
 * @dst_size: the object's size
 * @buf: a buffer of %TGEM_RELOC_CHUNK entries
 *
 * Writes nothing: a bad entry fails the execbuf before any BO changes.
 *
 * Context: Process context; may reschedule between chunks. Never faults:
 * see tgem_reloc_read().
 * Return: 0; an errno of tgem_reloc_check() for the first bad entry;
 * -EFAULT if a read faulted.
 */
int tgem_reloc_validate(const struct tgem_reloc_set *set,
			const struct tgem_reloc_src *src, u64 dst_size,
			struct drm_tgem_relocation_entry *buf)
{
	u32 done, n, i;
	int ret;

	for (done = 0; (n = tgem_reloc_chunk(src->count, done)); done += n) {
		ret = tgem_reloc_read(src, done, n, buf);
		if (ret)
			return ret;
		for (i = 0; i < n; i++) {
			ret = tgem_reloc_check(set, &buf[i], dst_size);
			if (ret < 0)
				return ret;
		}
		/* Millions of entries may follow: let others run. */
		cond_resched();
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_reloc_validate);

/**
 * tgem_reloc_apply() - Write the relocations of one object
 * @set: the targets, with their addresses
 * @src: the object's relocation entries
 * @dst_size: the object's size
 * @cache: the reloc cache, set to the object (tgem_reloc_cache_set_bo())
 * @buf: a buffer of %TGEM_RELOC_CHUNK entries
 * @stats: counts of relocations applied and skipped, added to
 *
 * Skips every entry whose presumed offset is the target's address, and
 * writes the others. Each entry is checked again, since userspace may
 * have changed it since tgem_reloc_validate(); a bad one stops the loop
 * (the entries before it stay written: only a racing caller sees that).
 *
 * Context: Process context; the object's dma_resv is held, and the cache
 * may wait for the object's earlier work before its first write.
 * Return: 0; -EINVAL or -ENOENT for a bad entry; -EFAULT if a read
 * faulted; an errno of tgem_reloc_cache_write_locked().
 */
int tgem_reloc_apply(const struct tgem_reloc_set *set,
		     const struct tgem_reloc_src *src, u64 dst_size,
		     struct tgem_reloc_cache *cache,
		     struct drm_tgem_relocation_entry *buf,
		     struct tgem_reloc_stats *stats)
{
	const struct drm_tgem_relocation_entry *r;
	u32 done, n, i;
	u64 addr;
	int ret;

	for (done = 0; (n = tgem_reloc_chunk(src->count, done)); done += n) {
		ret = tgem_reloc_read(src, done, n, buf);
		if (ret)
			return ret;
		for (i = 0, r = buf; i < n; i++, r++) {
			ret = tgem_reloc_check(set, r, dst_size);
			if (ret < 0)
				return ret;
			addr = set->objs[ret].addr;
			if (r->presumed_offset == addr) {
				stats->skipped++;
				continue;
			}
			ret = tgem_reloc_cache_write_locked(cache, r->offset,
							    tgem_reloc_value(addr, r->delta));
			if (ret)
				return ret;
			stats->applied++;
		}
		/* The page the cache keeps mapped is a local mapping: fine. */
		cond_resched();
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_reloc_apply);

/**
 * tgem_reloc_writeback() - Tell userspace where the targets are
 * @set: the targets, with their addresses
 * @user: the user's relocation array
 * @count: entries in it
 * @buf: a buffer of %TGEM_RELOC_CHUNK entries
 *
 * Rewrites the presumed_offset of every entry whose target is elsewhere,
 * so the next execbuf can skip it. Entries that no longer make sense are
 * left alone. Stops silently at the first fault: the array may be
 * read-only, and the execbuf has succeeded anyway.
 *
 * Context: Process context, no lock held: user memory may fault.
 */
void tgem_reloc_writeback(const struct tgem_reloc_set *set,
			  struct drm_tgem_relocation_entry __user *user,
			  u32 count, struct drm_tgem_relocation_entry *buf)
{
	u32 done, n, i;
	int idx;

	for (done = 0; (n = tgem_reloc_chunk(count, done)); done += n) {
		if (copy_from_user(buf, user + done, n * sizeof(*buf)))
			return;
		for (i = 0; i < n; i++) {
			idx = tgem_reloc_set_lookup(set, buf[i].target_handle);
			if (idx < 0 || buf[i].presumed_offset == set->objs[idx].addr)
				continue;
			if (put_user(set->objs[idx].addr,
				     &user[done + i].presumed_offset))
				return;
		}
	}
}
