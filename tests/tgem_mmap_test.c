// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/*
 * KUnit suite tgem_mmap: the CPU fault path, driven by real faults. The
 * test thread gets a user address space of its own (kunit_vm_mmap()),
 * maps a BO into it through a file whose mmap() is drm_gem_mmap_obj(), as
 * the DRM file's is, and touches the mapping with get_user()/put_user()
 * and copy_to_user(). What the faults installed is read back with
 * follow_pfnmap_start(): the PFN, and whether it is a PTE or a huge PMD.
 *
 * The file shares the DRM device's address_space, so TTM's zaps on moves
 * and unplug reach the test's mappings.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_vma_manager.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <kunit/test.h>
#include <uapi/drm/tgem_drm.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "gem/tgem_mmap.h"
#include "tests/tgem_kunit_helpers.h"
#include "ttm/tgem_vram_mgr.h"

#define TGEM_MMAP_TEST_SEED	0x6d6d6170

/* One BO mapping in the test's address space. */
struct tgem_mmap_test_map {
	struct tgem_bo *bo;
	/* What the file's mmap() tells drm_gem_mmap_obj() the BO's size is. */
	size_t obj_size;
	struct file *file;
	struct mm_struct *mm;
	unsigned long addr;
	size_t len;
};

static int tgem_mmap_test_fop_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct tgem_mmap_test_map *m = file->private_data;

	return drm_gem_mmap_obj(&m->bo->ttm.base, m->obj_size, vma);
}

/* PMD-aligned addresses, as tgem_mmap_get_unmapped_area() gives. */
static unsigned long tgem_mmap_test_fop_gua(struct file *file, unsigned long addr,
					    unsigned long len, unsigned long pgoff,
					    unsigned long flags)
{
	return thp_get_unmapped_area(file, addr, len, 0, flags);
}

static const struct file_operations tgem_mmap_test_fops = {
	.owner = THIS_MODULE,
	.mmap = tgem_mmap_test_fop_mmap,
	.get_unmapped_area = tgem_mmap_test_fop_gua,
};

/*
 * The test thread's address space outlives the test thread (cleanup runs
 * in another one) unless it is taken apart here, before the device: each
 * mapping holds a BO, and a device must not go away with BOs left.
 */
static void tgem_mmap_test_unmap(void *arg)
{
	struct tgem_mmap_test_map *m = arg;

	kthread_use_mm(m->mm);
	vm_munmap(m->addr, m->len);
	kthread_unuse_mm(m->mm);
	mmput(m->mm);
	fput(m->file);
}

/*
 * Map @len bytes of @bo, from its start, shared and writable, telling
 * drm_gem_mmap_obj() that the BO has @obj_size bytes.
 */
static struct tgem_mmap_test_map *
tgem_mmap_test_map(struct kunit *test, struct tgem_bo *bo, size_t len,
		   size_t obj_size)
{
	struct tgem_device *tdev = ttm_to_tgem_device(bo->ttm.bdev);
	struct tgem_mmap_test_map *m;
	unsigned long addr;
	int ret;

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		kunit_skip(test, "needs CONFIG_TRANSPARENT_HUGEPAGE for aligned mappings");

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->bo = bo;
	m->obj_size = obj_size;
	m->len = len;

	m->file = anon_inode_getfile("[tgem_mmap_test]", &tgem_mmap_test_fops, m,
				     O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(m->file));
	/* As drm_open() does: zaps of the device's mappings must reach ours. */
	m->file->f_mapping = tdev->drm.anon_inode->i_mapping;

	addr = kunit_vm_mmap(test, m->file, 0, len, PROT_READ | PROT_WRITE,
			     MAP_SHARED,
			     drm_vma_node_offset_addr(&bo->ttm.base.vma_node));
	if (!addr || IS_ERR_VALUE(addr)) {
		fput(m->file);
		KUNIT_FAIL_AND_ABORT(test, "vm_mmap: %ld", (long)addr);
	}
	m->addr = addr;
	m->mm = current->mm;
	mmget(m->mm);

	ret = kunit_add_action_or_reset(test, tgem_mmap_test_unmap, m);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return m;
}

/* Read one word of the mapping; a fault that fails gives -EFAULT. */
static int tgem_mmap_test_touch(struct tgem_mmap_test_map *m, size_t offset,
				u32 *val)
{
	return get_user(*val, (u32 __user *)(m->addr + offset));
}

struct tgem_mmap_test_entry {
	bool present;
	bool pmd;
	bool special;
	unsigned long pfn;
	pgprot_t prot;
};

/* Whether a huge PMD maps @addr; mmap_lock held. */
static bool tgem_mmap_test_pmd_leaf(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;

	if (pgd_none(*pgd))
		return false;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(p4dp_get(p4d)))
		return false;
	pud = pud_offset(p4d, addr);
	if (!pud_present(pudp_get(pud)) || pud_leaf(pudp_get(pud)))
		return false;
	return pmd_leaf(pmdp_get_lockless(pmd_offset(pud, addr)));
}

/* What maps @offset of the mapping now: a PTE, a huge PMD, or nothing. */
static struct tgem_mmap_test_entry
tgem_mmap_test_lookup(struct tgem_mmap_test_map *m, size_t offset)
{
	struct tgem_mmap_test_entry e = {};
	struct follow_pfnmap_args args = {};

	mmap_read_lock(m->mm);
	args.vma = vma_lookup(m->mm, m->addr + offset);
	args.address = m->addr + offset;
	if (args.vma && !follow_pfnmap_start(&args)) {
		e.present = true;
		e.pmd = tgem_mmap_test_pmd_leaf(m->mm, args.address);
		e.special = args.special;
		e.pfn = args.pfn;
		e.prot = args.pgprot;
		follow_pfnmap_end(&args);
	}
	mmap_read_unlock(m->mm);
	return e;
}

static struct tgem_device *tgem_mmap_test_vram_device(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_vram_device_create(test);

	if (!IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP))
		kunit_skip(test, "no huge pfnmaps on this architecture");
	KUNIT_ASSERT_GE(test, (u64)tdev->vram.size, (u64)SZ_8M);
	return tdev;
}

/* Put a pattern into the first @size bytes of a mapping, a page at a time. */
static void tgem_mmap_test_fill(struct kunit *test, struct tgem_mmap_test_map *m,
				size_t size, u32 seed)
{
	u32 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	size_t offset;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (offset = 0; offset < size; offset += PAGE_SIZE) {
		for (i = 0; i < PAGE_SIZE / sizeof(u32); i++)
			buf[i] = tgem_kunit_pattern(seed, offset + i * sizeof(u32));
		KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)(m->addr + offset),
						   buf, PAGE_SIZE), 0);
	}
	kunit_kfree(test, buf);
}

struct tgem_mmap_test_blocker {
	struct tgem_device *tdev;
	struct list_head blocks;
};

static void tgem_mmap_test_unblock(void *arg)
{
	struct tgem_mmap_test_blocker *b = arg;
	struct tgem_vram_mgr *mgr = &b->tdev->vram.mgr;

	mutex_lock(&mgr->lock);
	gpu_buddy_free_list(&mgr->mm, &b->blocks, 0);
	mutex_unlock(&mgr->lock);
}

/* Take VRAM [start, end) away from the device's allocator for the test. */
static void tgem_mmap_test_block(struct kunit *test, struct tgem_mmap_test_blocker *b,
				 u64 start, u64 end)
{
	struct tgem_vram_mgr *mgr = &b->tdev->vram.mgr;
	int ret;

	mutex_lock(&mgr->lock);
	ret = gpu_buddy_alloc_blocks(&mgr->mm, start, end, end - start, PAGE_SIZE,
				     &b->blocks, GPU_BUDDY_RANGE_ALLOCATION);
	mutex_unlock(&mgr->lock);
	KUNIT_ASSERT_EQ(test, ret, 0);
}

/*
 * A BO that is not contiguous still gets a huge PMD for each 2 MiB block.
 * VRAM is left with two holes: 1 MiB at 0 and 2 MiB at 2 MiB. A 3 MiB BO
 * gets both, and with its blocks in VRAM offset order its 2 MiB block
 * would sit at BO offset 1 MiB, where no PMD can map it.
 */
static void tgem_mmap_huge_fragmented(struct kunit *test)
{
	struct tgem_device *tdev = tgem_mmap_test_vram_device(test);
	struct tgem_mmap_test_blocker *blocker;
	struct tgem_mmap_test_entry e;
	struct tgem_mmap_test_map *m;
	s64 pmds, ptes;
	unsigned int nblocks;
	struct tgem_bo *bo;
	u32 val = 0;
	int ret;

	blocker = kunit_kzalloc(test, sizeof(*blocker), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocker);
	blocker->tdev = tdev;
	INIT_LIST_HEAD(&blocker->blocks);
	ret = kunit_add_action_or_reset(test, tgem_mmap_test_unblock, blocker);
	KUNIT_ASSERT_EQ(test, ret, 0);
	tgem_mmap_test_block(test, blocker, SZ_1M, SZ_2M);
	tgem_mmap_test_block(test, blocker, SZ_4M, tdev->vram.size);

	bo = tgem_kunit_bo_create(test, tdev, 3 * SZ_1M, DRM_TGEM_PLACEMENT_VRAM, 0);
	KUNIT_ASSERT_EQ(test, tgem_kunit_bo_vram_runs(test, bo, &nblocks), 2);
	KUNIT_ASSERT_EQ(test, nblocks, 2);

	m = tgem_mmap_test_map(test, bo, 3 * SZ_1M, 3 * SZ_1M);
	KUNIT_ASSERT_TRUE(test, IS_ALIGNED(m->addr, PMD_SIZE));

	pmds = atomic64_read(&tdev->fault.pmds);
	ptes = atomic64_read(&tdev->fault.ptes);
	tgem_mmap_test_fill(test, m, 3 * SZ_1M, TGEM_MMAP_TEST_SEED);
	KUNIT_EXPECT_EQ(test, atomic64_read(&tdev->fault.pmds) - pmds, 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&tdev->fault.ptes) - ptes, SZ_1M >> PAGE_SHIFT);

	e = tgem_mmap_test_lookup(m, 0);
	KUNIT_EXPECT_TRUE(test, e.present && e.pmd);
	KUNIT_EXPECT_EQ(test, e.pfn, (unsigned long)((tdev->vram.base + SZ_2M) >> PAGE_SHIFT));
	e = tgem_mmap_test_lookup(m, SZ_2M);
	KUNIT_EXPECT_TRUE(test, e.present && !e.pmd);
	KUNIT_EXPECT_EQ(test, e.pfn, (unsigned long)(tdev->vram.base >> PAGE_SHIFT));

	/* What the mapping wrote, the mapping and the page iterators read back. */
	KUNIT_EXPECT_EQ(test, tgem_mmap_test_touch(m, SZ_2M + SZ_4K, &val), 0);
	KUNIT_EXPECT_EQ(test, val, tgem_kunit_pattern(TGEM_MMAP_TEST_SEED, SZ_2M + SZ_4K));
	tgem_kunit_bo_expect(test, bo, TGEM_MMAP_TEST_SEED);
}

static struct kunit_case tgem_mmap_tests[] = {
	KUNIT_CASE(tgem_mmap_huge_fragmented),
	{}
};

static struct kunit_suite tgem_mmap_suite = {
	.name = "tgem_mmap",
	.test_cases = tgem_mmap_tests,
};

kunit_test_suite(tgem_mmap_suite);
