// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: GPU address space
 *
 * Each open file has its own GPU virtual address space (&struct
 * tgem_gpuvm), 48 bits wide: [%TGEM_GPUVM_START, %TGEM_GPUVM_END). A
 * &drm_mm allocates it, under one mutex. There are no page tables: the
 * software engine resolves an address through the list of BOs of its job
 * (&struct tgem_job_map), so a binding is only a reserved range and the
 * BO it belongs to.
 *
 * A BO is bound the first time an execbuf of the file uses it, at an
 * address the kernel picks (the lowest free range that fits, first in
 * the lower half of the space) or, for a PINNED exec object, at the one
 * userspace asks for. It keeps that address while it stays bound, which
 * is until the last handle to it in this file is closed
 * (&drm_gem_object_funcs.close, tgem_gpuvm_gem_close()) or the file is
 * closed. Moving the BO between system memory and VRAM does not change
 * its address.
 *
 * A file can hold several handles to one BO: DRM_IOCTL_GEM_OPEN on the
 * primary node returns a new handle each time it opens a flink name, even
 * in the file that already has one. So the space counts the handles of
 * each BO (&struct tgem_gpuvm_binding, created by the first handle,
 * through &drm_gem_object_funcs.open and tgem_gpuvm_gem_open(), freed
 * with the last one), and closing one handle of several leaves the BO
 * bound. The entry holds a GEM reference, so it can never point at a
 * freed BO.
 *
 * An execbuf holds GEM references to its BOs, not handles, from its
 * handle lookup to its end. If GEM_CLOSE closes the last handle of a BO
 * in between, the close hook runs before or after the bind, both under
 * &tgem_gpuvm.lock: before, tgem_gpuvm_bind() finds no entry for the BO
 * and fails the execbuf with ``ENOENT``; after, the close hook unbinds
 * what the execbuf bound. Either way no binding outlives the BO's last
 * handle in the file. Jobs already queued are not affected: they resolve
 * addresses through their own list of BOs.
 *
 * Page 0 is never part of the space, so a null GPU pointer always faults.
 * Addresses cross the uAPI in canonical form (bits 63..48 copy bit 47, as
 * on x86-64): tgem_gpuvm_canonical() and tgem_gpuvm_noncanonical()
 * convert. Since canonical addresses jump at 2^47, no binding crosses it.
 *
 * tgem_gpuvm_bind() binds the BOs of one execbuf all or nothing: PINNED
 * requests first, so that a kernel-picked address never takes the range
 * a pinned BO asks for, then the others; if one fails, every change made
 * so far is undone in reverse order, so the space is as it was. Errors:
 * ``EINVAL`` for a pinned address that is not canonical, not page
 * aligned, in page 0, crosses 2^47 or ends past the space
 * (tgem_gpuvm_check_pin()); ``ENOSPC`` for a pinned range that overlaps
 * another binding, or a full space; ``ENOENT`` for a BO the file has no
 * handle to any more.
 */

#include <linux/lockdep.h>
#include <linux/rbtree.h>
#include <linux/slab.h>

#include <drm/drm_gem.h>
#include <kunit/visibility.h>

#include "execbuf/tgem_gpuvm.h"
#include "gem/tgem_file.h"

/**
 * tgem_gpuvm_init() - Set up an empty GPU address space
 * @vm: the space
 * @start: first usable address, page aligned and nonzero; normally
 *	   %TGEM_GPUVM_START
 * @end: first address past the space, page aligned, at most
 *	 %TGEM_GPUVM_END; normally %TGEM_GPUVM_END. Tests use small spaces.
 *
 * Context: Any context that may sleep.
 */
void tgem_gpuvm_init(struct tgem_gpuvm *vm, u64 start, u64 end)
{
	WARN_ON(!start || start >= end || end > TGEM_GPUVM_END ||
		!PAGE_ALIGNED(start) || !PAGE_ALIGNED(end));

	mutex_init(&vm->lock);
	drm_mm_init(&vm->mm, start, end - start);
	vm->bindings = RB_ROOT;
	vm->start = start;
	vm->end = end;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_gpuvm_init);

static void tgem_gpuvm_binding_free(struct tgem_gpuvm_binding *b)
{
	drm_gem_object_put(b->obj);
	kfree(b);
}

/**
 * tgem_gpuvm_fini() - Unbind everything and tear the space down
 * @vm: the space
 *
 * Drops the GEM reference of every entry left. When a file closes, the
 * DRM core has closed every handle first, so normally none is left (the
 * KUnit tests leave some).
 *
 * Context: Process context; may sleep. Nobody else uses @vm any more.
 */
void tgem_gpuvm_fini(struct tgem_gpuvm *vm)
{
	struct tgem_gpuvm_binding *b;
	struct rb_node *node;

	mutex_lock(&vm->lock);
	while ((node = rb_first(&vm->bindings))) {
		b = rb_entry(node, struct tgem_gpuvm_binding, rb);
		rb_erase(node, &vm->bindings);
		if (drm_mm_node_allocated(&b->node))
			drm_mm_remove_node(&b->node);
		/* Not under the lock: this may be the BO's last reference. */
		mutex_unlock(&vm->lock);
		tgem_gpuvm_binding_free(b);
		mutex_lock(&vm->lock);
	}
	mutex_unlock(&vm->lock);

	drm_mm_takedown(&vm->mm);
	mutex_destroy(&vm->lock);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_gpuvm_fini);

/**
 * tgem_gpuvm_check_pin() - Check an address userspace asks to pin at
 * @vm: the space
 * @canonical: the address, in canonical form
 * @size: bytes of the BO, nonzero
 * @addr: out: the address in its 48-bit form
 *
 * Context: Any context; takes no lock (only reads the bounds).
 * Return: 0, or -EINVAL if @canonical is not canonical, not page aligned,
 * in page 0, before @vm->start, or if the range crosses 2^47 or ends past
 * the space.
 */
int tgem_gpuvm_check_pin(const struct tgem_gpuvm *vm, u64 canonical, u64 size,
			 u64 *addr)
{
	u64 a = tgem_gpuvm_noncanonical(canonical);

	if (tgem_gpuvm_canonical(a) != canonical)
		return -EINVAL;
	if (!PAGE_ALIGNED(a) || a < PAGE_SIZE || a < vm->start)
		return -EINVAL;
	if (!size || size > vm->end || a > vm->end - size)
		return -EINVAL;
	if (a < TGEM_GPUVM_HOLE && a + size > TGEM_GPUVM_HOLE)
		return -EINVAL;

	*addr = a;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_gpuvm_check_pin);

static int tgem_gpuvm_cmp_key(const void *key, const struct rb_node *node)
{
	const struct tgem_gpuvm_binding *b = rb_entry(node, typeof(*b), rb);

	if (key < (const void *)b->obj)
		return -1;
	return key > (const void *)b->obj;
}

static bool tgem_gpuvm_less(struct rb_node *a, const struct rb_node *b)
{
	return tgem_gpuvm_cmp_key(rb_entry(a, struct tgem_gpuvm_binding, rb)->obj,
				  b) < 0;
}

static struct tgem_gpuvm_binding *
tgem_gpuvm_find_locked(struct tgem_gpuvm *vm, struct drm_gem_object *obj)
{
	struct rb_node *node;

	lockdep_assert_held(&vm->lock);
	node = rb_find(obj, &vm->bindings, tgem_gpuvm_cmp_key);
	return node ? rb_entry(node, struct tgem_gpuvm_binding, rb) : NULL;
}

/* Insert a kernel-picked range: the lower half first, then the upper. */
static int tgem_gpuvm_insert_locked(struct tgem_gpuvm *vm,
				    struct drm_mm_node *node, u64 size)
{
	u64 mid = clamp(TGEM_GPUVM_HOLE, vm->start, vm->end);
	int ret = -ENOSPC;

	lockdep_assert_held(&vm->lock);
	if (vm->start < mid)
		ret = drm_mm_insert_node_in_range(&vm->mm, node, size, PAGE_SIZE,
						  0, vm->start, mid,
						  DRM_MM_INSERT_LOW);
	if (ret == -ENOSPC && mid < vm->end)
		ret = drm_mm_insert_node_in_range(&vm->mm, node, size, PAGE_SIZE,
						  0, mid, vm->end,
						  DRM_MM_INSERT_LOW);
	return ret;
}

static int tgem_gpuvm_reserve_locked(struct tgem_gpuvm *vm,
				     struct drm_mm_node *node, u64 addr,
				     u64 size)
{
	lockdep_assert_held(&vm->lock);
	memset(node, 0, sizeof(*node));
	node->start = addr;
	node->size = size;
	return drm_mm_reserve_node(&vm->mm, node);
}

static int tgem_gpuvm_bind_one_locked(struct tgem_gpuvm *vm,
				      struct tgem_gpuvm_req *req)
{
	u64 size = req->obj->size;
	struct tgem_gpuvm_binding *b;
	int ret;

	b = tgem_gpuvm_find_locked(vm, req->obj);
	/* Its last handle was closed after the execbuf looked it up. */
	if (!b)
		return -ENOENT;
	req->binding = b;
	if (drm_mm_node_allocated(&b->node)) {
		if (!req->pinned || b->node.start == req->pin_addr) {
			req->addr = b->node.start;
			return 0;
		}
		/* Move it: free the old range first, it may overlap the new. */
		req->old_addr = b->node.start;
		drm_mm_remove_node(&b->node);
		ret = tgem_gpuvm_reserve_locked(vm, &b->node, req->pin_addr, size);
		if (ret) {
			/* Nothing took the old range: we hold the lock. */
			WARN_ON(tgem_gpuvm_reserve_locked(vm, &b->node,
							  req->old_addr, size));
			return ret;
		}
		req->state = TGEM_GPUVM_MOVED;
		req->addr = b->node.start;
		return 0;
	}

	if (req->pinned) {
		ret = tgem_gpuvm_reserve_locked(vm, &b->node, req->pin_addr, size);
	} else {
		/* drm_mm wants a cleared node; this one may have been used. */
		memset(&b->node, 0, sizeof(b->node));
		ret = tgem_gpuvm_insert_locked(vm, &b->node, size);
	}
	if (ret)
		return ret;
	req->state = TGEM_GPUVM_NEW;
	req->addr = b->node.start;
	return 0;
}

static void tgem_gpuvm_undo_one_locked(struct tgem_gpuvm *vm,
				       struct tgem_gpuvm_req *req)
{
	struct tgem_gpuvm_binding *b = req->binding;

	switch (req->state) {
	case TGEM_GPUVM_KEPT:
		break;
	case TGEM_GPUVM_NEW:
		/* The entry stays: it counts handles, not bindings. */
		drm_mm_remove_node(&b->node);
		break;
	case TGEM_GPUVM_MOVED:
		drm_mm_remove_node(&b->node);
		/* Undone in reverse order, so the old range is free again. */
		WARN_ON(tgem_gpuvm_reserve_locked(vm, &b->node, req->old_addr,
						  req->obj->size));
		break;
	}
	req->binding = NULL;
	req->state = TGEM_GPUVM_KEPT;
}

/**
 * tgem_gpuvm_bind() - Bind the BOs of one execbuf, all or nothing
 * @vm: the space
 * @reqs: the BOs: @obj and, for pinned ones, @pinned and @pin_addr (checked
 *	  with tgem_gpuvm_check_pin()); each BO at most once
 * @count: entries in @reqs
 *
 * A BO bound already keeps its address, unless it is pinned elsewhere,
 * then it moves. A BO not bound gets a range, at its pinned address or at
 * one the kernel picks. Every BO must have a handle in the file
 * (tgem_gpuvm_handle_open()); checking that here, under @vm->lock, is
 * what keeps a racing GEM_CLOSE from leaving a binding behind. Pinned
 * requests are placed first. On success each request's @addr and @state
 * say where the BO is and what changed.
 *
 * Context: Process context; takes @vm->lock, may allocate. May be called
 * with dma_resv locks held.
 * Return: 0; -ENOSPC if a pinned range overlaps another binding or the
 * space is full; -ENOENT if the file has no handle to a BO any more. On
 * failure @vm is exactly as before.
 */
int tgem_gpuvm_bind(struct tgem_gpuvm *vm, struct tgem_gpuvm_req *reqs,
		    unsigned int count)
{
	unsigned int pass, i, done[2] = { 0, 0 };
	int ret = 0;

	mutex_lock(&vm->lock);
	for (pass = 0; pass < 2 && !ret; pass++) {
		for (i = 0; i < count; i++) {
			/* Pass 0 binds the pinned BOs, pass 1 the others. */
			if (reqs[i].pinned != !pass)
				continue;
			reqs[i].state = TGEM_GPUVM_KEPT;
			reqs[i].binding = NULL;
			ret = tgem_gpuvm_bind_one_locked(vm, &reqs[i]);
			if (ret)
				break;
			done[pass] = i + 1;
		}
	}
	if (ret) {
		/* Undo in reverse: the others of pass 1, then the pinned. */
		for (pass = 2; pass-- > 0;)
			for (i = done[pass]; i-- > 0;)
				if (reqs[i].pinned == !pass)
					tgem_gpuvm_undo_one_locked(vm, &reqs[i]);
	}
	mutex_unlock(&vm->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_gpuvm_bind);

/**
 * tgem_gpuvm_all_bound_at() - Whether BOs are all bound where expected
 * @vm: the space
 * @reqs: the BOs and, in @addr, the 48-bit address each is expected at
 * @count: entries in @reqs
 *
 * Changes nothing; the answer may be stale once the lock is dropped (a
 * GEM_CLOSE in another thread can unbind a BO).
 *
 * Context: Process context; takes @vm->lock.
 * Return: true if each BO is bound, at its @addr.
 */
bool tgem_gpuvm_all_bound_at(struct tgem_gpuvm *vm,
			     struct tgem_gpuvm_req *reqs, unsigned int count)
{
	struct tgem_gpuvm_binding *b;
	bool all = true;
	unsigned int i;

	mutex_lock(&vm->lock);
	for (i = 0; i < count && all; i++) {
		b = tgem_gpuvm_find_locked(vm, reqs[i].obj);
		all = b && drm_mm_node_allocated(&b->node) &&
		      b->node.start == reqs[i].addr;
	}
	mutex_unlock(&vm->lock);
	return all;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_gpuvm_all_bound_at);

/**
 * tgem_gpuvm_lookup() - Where a BO is bound
 * @vm: the space
 * @obj: the BO
 * @addr: out: its 48-bit address
 *
 * Context: Process context; takes @vm->lock.
 * Return: 0, or -ENOENT if @obj is not bound in @vm.
 */
int tgem_gpuvm_lookup(struct tgem_gpuvm *vm, struct drm_gem_object *obj,
		      u64 *addr)
{
	struct tgem_gpuvm_binding *b;
	int ret = -ENOENT;

	mutex_lock(&vm->lock);
	b = tgem_gpuvm_find_locked(vm, obj);
	if (b && drm_mm_node_allocated(&b->node)) {
		*addr = b->node.start;
		ret = 0;
	}
	mutex_unlock(&vm->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_gpuvm_lookup);

/**
 * tgem_gpuvm_unbind() - Unbind a BO, if it is bound
 * @vm: the space
 * @obj: the BO
 *
 * Frees its range; the file's handles to it still count, and a later
 * bind gives it a range again. Jobs already queued keep working: they
 * resolve addresses through their own list of BOs, which holds references
 * of its own.
 *
 * Context: Process context; takes @vm->lock.
 */
void tgem_gpuvm_unbind(struct tgem_gpuvm *vm, struct drm_gem_object *obj)
{
	struct tgem_gpuvm_binding *b;

	mutex_lock(&vm->lock);
	b = tgem_gpuvm_find_locked(vm, obj);
	if (b && drm_mm_node_allocated(&b->node))
		drm_mm_remove_node(&b->node);
	mutex_unlock(&vm->lock);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_gpuvm_unbind);

/**
 * tgem_gpuvm_handle_open() - Count a new handle of a BO in the file
 * @vm: the space of the file
 * @obj: the BO
 *
 * The first handle creates the BO's entry, unbound, which takes a GEM
 * reference; the others only count.
 *
 * Context: Process context; takes @vm->lock, may allocate.
 * Return: 0, or -ENOMEM; on failure nothing changed.
 */
int tgem_gpuvm_handle_open(struct tgem_gpuvm *vm, struct drm_gem_object *obj)
{
	struct tgem_gpuvm_binding *b;
	int ret = 0;

	mutex_lock(&vm->lock);
	b = tgem_gpuvm_find_locked(vm, obj);
	if (b) {
		b->handles++;
		goto out_unlock;
	}
	/* Kept as long as the handle, on behalf of its owner. */
	b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	/* The caller holds a reference: this get cannot race with a free. */
	drm_gem_object_get(obj);
	b->obj = obj;
	b->handles = 1;
	rb_add(&b->rb, &vm->bindings, tgem_gpuvm_less);
out_unlock:
	mutex_unlock(&vm->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_gpuvm_handle_open);

/**
 * tgem_gpuvm_handle_close() - Count a handle of a BO in the file gone
 * @vm: the space of the file
 * @obj: the BO
 *
 * When the last handle of @obj in the file goes, the BO is unbound and
 * its entry freed, with its GEM reference; from then on tgem_gpuvm_bind()
 * refuses it. Until then the BO keeps its binding.
 *
 * Context: Process context; takes @vm->lock. The caller holds a GEM
 * reference to @obj and no dma_resv.
 */
void tgem_gpuvm_handle_close(struct tgem_gpuvm *vm, struct drm_gem_object *obj)
{
	struct tgem_gpuvm_binding *b;

	mutex_lock(&vm->lock);
	b = tgem_gpuvm_find_locked(vm, obj);
	/* Every handle went through tgem_gpuvm_handle_open(). */
	if (WARN_ON_ONCE(!b) || --b->handles) {
		mutex_unlock(&vm->lock);
		return;
	}
	if (drm_mm_node_allocated(&b->node))
		drm_mm_remove_node(&b->node);
	rb_erase(&b->rb, &vm->bindings);
	mutex_unlock(&vm->lock);

	tgem_gpuvm_binding_free(b);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_gpuvm_handle_close);

/**
 * tgem_gpuvm_gem_open() - &drm_gem_object_funcs.open: count the handle
 * @obj: the BO a handle is being created for
 * @file: the file the handle belongs to
 *
 * The DRM core calls this for every new handle (GEM_CREATE and the other
 * tgem ioctls that create BOs, GEM_OPEN, PRIME import), before userspace
 * can see the handle. See tgem_gpuvm_handle_open().
 *
 * Context: Process context; no dma_resv held.
 * Return: 0, or -ENOMEM; then the DRM core fails the handle's creation.
 */
int tgem_gpuvm_gem_open(struct drm_gem_object *obj, struct drm_file *file)
{
	struct tgem_file *tfile = to_tgem_file(file);

	/* Not a file tgem opened (no per-file state): nothing to count. */
	if (!tfile)
		return 0;
	return tgem_gpuvm_handle_open(&tfile->gpuvm, obj);
}

/**
 * tgem_gpuvm_gem_close() - &drm_gem_object_funcs.close: uncount the handle
 * @obj: the BO whose handle is being closed
 * @file: the file the handle belongs to
 *
 * The DRM core calls this each time a handle of @obj in @file goes away
 * (GEM_CLOSE, or the file closing). When it was the file's last handle to
 * @obj, the BO loses its GPU address in that file; a later execbuf binds
 * it anew, maybe elsewhere, if the file gets a handle again. See
 * tgem_gpuvm_handle_close().
 *
 * Context: Process context; no dma_resv held.
 */
void tgem_gpuvm_gem_close(struct drm_gem_object *obj, struct drm_file *file)
{
	struct tgem_file *tfile = to_tgem_file(file);

	if (tfile)
		tgem_gpuvm_handle_close(&tfile->gpuvm, obj);
}
