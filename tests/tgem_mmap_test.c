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
 * follow_pfnmap_start(): the PFN, whether it is a PTE or a huge PMD, and
 * its protection bits, which are compared with ttm_io_prot().
 *
 * The file shares the DRM device's address_space, so TTM's zaps on moves
 * and unplug reach the test's mappings, and its mmap() may map more than
 * the BO, which the DRM file never allows, to reach the fault handler's
 * check for a page past the end.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pci.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_vma_manager.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_tt.h>
#include <kunit/test.h>
#include <uapi/drm/tgem_drm.h>

#ifdef CONFIG_X86
#include <asm/memtype.h>
#endif

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "gem/tgem_mmap.h"
#include "tests/tgem_kunit_helpers.h"
#include "ttm/tgem_ttm.h"
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

/*
 * The bits that say how memory is mapped, as a PTE has them: the layout of
 * a huge PMD's bits made a PTE's, and what the hardware and the core set
 * on access (accessed, dirty, soft-dirty) left out.
 */
static u64 tgem_mmap_test_prot_bits(pgprot_t prot, bool pmd)
{
	pte_t pte;

#ifdef CONFIG_X86
	if (pmd)
		prot = pgprot_large_2_4k(prot);
#endif
	pte = pfn_pte(0, prot);
	pte = pte_clear_soft_dirty(pte_mkyoung(pte_mkclean(pte_mkspecial(pte))));
	return pgprot_val(pte_pgprot(pte));
}

/* What ttm_bo_vm_fault_reserved() would map @bo's pages in @m with. */
static u64 tgem_mmap_test_ttm_bits(struct kunit *test, struct tgem_mmap_test_map *m)
{
	struct ttm_buffer_object *tbo = &m->bo->ttm;
	struct vm_area_struct *vma;
	vm_flags_t flags;
	pgprot_t prot;
	bool iomem;

	mmap_read_lock(m->mm);
	vma = vma_lookup(m->mm, m->addr);
	flags = vma ? vma->vm_flags : 0;
	mmap_read_unlock(m->mm);
	KUNIT_ASSERT_NOT_NULL(test, vma);

	/* The faults have filled in the resource's bus placement. */
	KUNIT_ASSERT_EQ(test, dma_resv_lock(tbo->base.resv, NULL), 0);
	iomem = tbo->resource->bus.is_iomem;
	prot = pgprot_decrypted(ttm_io_prot(tbo, tbo->resource, vm_get_page_prot(flags)));
	dma_resv_unlock(tbo->base.resv);
	KUNIT_EXPECT_TRUE(test, iomem);
	return tgem_mmap_test_prot_bits(prot, false);
}

static struct tgem_device *tgem_mmap_test_vram_device(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_vram_device_create(test);

	if (!IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP))
		kunit_skip(test, "no huge pfnmaps on this architecture");
	KUNIT_ASSERT_GE(test, (u64)tdev->vram.size, (u64)SZ_8M);
	return tdev;
}

/*
 * Fault one 2 MiB range of a VRAM BO with a huge PMD and another with
 * PTEs, and check that every entry maps the BO's VRAM with the bits
 * expected of it. The PTEs written by the batch (past the faulting page)
 * count as much as the one the kernel wrote.
 */
static void tgem_mmap_test_both_paths(struct kunit *test,
				      struct tgem_device *tdev, u64 *want)
{
	struct tgem_mmap_test_entry pmd, pte0, pte1;
	struct tgem_mmap_test_map *m;
	struct tgem_bo *bo;
	unsigned long base;
	u32 val;

	bo = tgem_kunit_bo_create(test, tdev, SZ_4M, DRM_TGEM_PLACEMENT_VRAM,
				  DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS);
	/* The last page unmapped, so the second 2 MiB cannot be huge. */
	m = tgem_mmap_test_map(test, bo, SZ_4M - PAGE_SIZE, SZ_4M);
	KUNIT_ASSERT_TRUE(test, IS_ALIGNED(m->addr, PMD_SIZE));

	KUNIT_ASSERT_EQ(test, tgem_mmap_test_touch(m, 0, &val), 0);
	KUNIT_ASSERT_EQ(test, tgem_mmap_test_touch(m, SZ_2M, &val), 0);

	pmd = tgem_mmap_test_lookup(m, 0);
	pte0 = tgem_mmap_test_lookup(m, SZ_2M);
	pte1 = tgem_mmap_test_lookup(m, SZ_2M + PAGE_SIZE);
	KUNIT_ASSERT_TRUE(test, pmd.present && pte0.present && pte1.present);
	KUNIT_EXPECT_TRUE(test, pmd.pmd);
	KUNIT_EXPECT_FALSE(test, pte0.pmd);
	KUNIT_EXPECT_FALSE(test, pte1.pmd);
	KUNIT_EXPECT_TRUE(test, pmd.special && pte0.special && pte1.special);

	base = tdev->vram.base >> PAGE_SHIFT;
	KUNIT_ASSERT_EQ(test, dma_resv_lock(bo->ttm.base.resv, NULL), 0);
	base += bo->ttm.resource->start;
	dma_resv_unlock(bo->ttm.base.resv);
	KUNIT_EXPECT_EQ(test, pmd.pfn, base);
	KUNIT_EXPECT_EQ(test, pte0.pfn, base + (SZ_2M >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, pte1.pfn, base + (SZ_2M >> PAGE_SHIFT) + 1);

	want[0] = tgem_mmap_test_prot_bits(pmd.prot, true);
	want[1] = tgem_mmap_test_prot_bits(pte0.prot, false);
	want[2] = tgem_mmap_test_prot_bits(pte1.prot, false);
	want[3] = tgem_mmap_test_ttm_bits(test, m);
}

/* The PMD and the PTEs of one VRAM BO carry the bits TTM would use. */
static void tgem_mmap_prot_matches_ttm(struct kunit *test)
{
	struct tgem_device *tdev = tgem_mmap_test_vram_device(test);
	u64 bits[4];

	tgem_mmap_test_both_paths(test, tdev, bits);
	KUNIT_EXPECT_EQ_MSG(test, bits[0], bits[3], "huge PMD %#llx, ttm_io_prot() %#llx",
			    bits[0], bits[3]);
	KUNIT_EXPECT_EQ_MSG(test, bits[1], bits[3], "faulting PTE %#llx, ttm_io_prot() %#llx",
			    bits[1], bits[3]);
	KUNIT_EXPECT_EQ_MSG(test, bits[2], bits[3], "batch PTE %#llx, ttm_io_prot() %#llx",
			    bits[2], bits[3]);
}

#define TGEM_MMAP_IVSHMEM_DEVICE	0x1110

static void tgem_mmap_test_iounmap(void *vaddr)
{
	iounmap((void __iomem *)vaddr);
}

/*
 * The kernel tracks one memory type per physical range, and the first
 * mapping of a range sets it: a later write-combined mapping of the BAR
 * (the device's io_mapping) gets uncached-minus if the BAR was mapped that
 * way before. Every user mapping of the BAR must then be uncached too,
 * through a PTE as through a PMD, or the same memory is mapped with two
 * cache modes. Mapping the BAR with ioremap() before the device does makes
 * that happen.
 */
static void tgem_mmap_prot_follows_tracked_memtype(struct kunit *test)
{
	struct tgem_device *tdev;
	struct pci_dev *pdev;
	void __iomem *early;
	u64 bits[4];
	int ret;

#ifdef CONFIG_X86_PAT
	if (!pat_enabled())
#endif
		kunit_skip(test, "the kernel tracks memory types with x86 PAT only");

	/* tgem, built in, would have mapped the BAR first: take it off. */
	pdev = tgem_kunit_ivshmem_take(test);
	early = ioremap(pci_resource_start(pdev, TGEM_KUNIT_IVSHMEM_BAR),
			pci_resource_len(pdev, TGEM_KUNIT_IVSHMEM_BAR));
	KUNIT_ASSERT_TRUE(test, !!early);
	ret = kunit_add_action_or_reset(test, tgem_mmap_test_iounmap, (void __force *)early);
	KUNIT_ASSERT_EQ(test, ret, 0);

	tdev = tgem_mmap_test_vram_device(test);
	tgem_mmap_test_both_paths(test, tdev, bits);
	KUNIT_EXPECT_EQ_MSG(test, bits[1], bits[0], "faulting PTE %#llx, huge PMD %#llx",
			    bits[1], bits[0]);
	KUNIT_EXPECT_EQ_MSG(test, bits[2], bits[0], "batch PTE %#llx, huge PMD %#llx",
			    bits[2], bits[0]);
#ifdef CONFIG_X86
	/* Uncached-minus, as the first mapping made it; not write-combined. */
	KUNIT_EXPECT_EQ(test, bits[0] & _PAGE_CACHE_MASK,
			(u64)cachemode2protval(_PAGE_CACHE_MODE_UC_MINUS));
#endif
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

/*
 * A system BO maps by huge PMDs exactly where its pages are one 2 MiB run
 * (tgem_ttm_tt_run_order()), each with the PFN of the run's first page,
 * and by PTEs elsewhere; the first fault populates the BO. 8 MiB and a
 * page: four aligned ranges and a tail that can only be a PTE. Which
 * ranges are runs is the page allocator's choice; a test VM has 2 MiB
 * blocks, so at least one range is huge.
 */
static void tgem_mmap_system_huge(struct kunit *test)
{
	const size_t size = 4 * SZ_2M + PAGE_SIZE;
	struct tgem_device *tdev = tgem_kunit_device_create(test);
	struct tgem_mmap_test_entry e;
	struct tgem_mmap_test_map *m;
	unsigned int huge = 0;
	struct ttm_tt *tt;
	struct tgem_bo *bo;
	size_t off;
	s64 pmds;

	bo = tgem_kunit_bo_create(test, tdev, size, DRM_TGEM_PLACEMENT_SYSTEM, 0);
	m = tgem_mmap_test_map(test, bo, size, size);
	KUNIT_ASSERT_TRUE(test, IS_ALIGNED(m->addr, PMD_SIZE));

	pmds = atomic64_read(&tdev->fault.pmds);
	tgem_mmap_test_fill(test, m, size, TGEM_MMAP_TEST_SEED);
	tt = bo->ttm.ttm;
	KUNIT_ASSERT_TRUE(test, ttm_tt_is_populated(tt));

	for (off = 0; off < size; off += SZ_2M) {
		pgoff_t pgoff = off >> PAGE_SHIFT;
		bool run = off + SZ_2M <= size &&
			   tgem_ttm_tt_run_order(tt, pgoff) == PMD_ORDER;

		e = tgem_mmap_test_lookup(m, off);
		KUNIT_EXPECT_TRUE_MSG(test, e.present, "offset %zu", off);
		KUNIT_EXPECT_EQ_MSG(test, e.pmd, run, "offset %zu", off);
		KUNIT_EXPECT_TRUE_MSG(test, e.special, "offset %zu", off);
		KUNIT_EXPECT_EQ_MSG(test, e.pfn, page_to_pfn(tt->pages[pgoff]),
				    "offset %zu", off);
		huge += run;
	}
	KUNIT_EXPECT_EQ(test, atomic64_read(&tdev->fault.pmds) - pmds, huge);
	KUNIT_EXPECT_GE(test, huge, 1);

	/* Inside a huge range, the PMD gives each page's own PFN. */
	e = tgem_mmap_test_lookup(m, SZ_2M + 5 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, e.pfn, page_to_pfn(tt->pages[(SZ_2M >> PAGE_SHIFT) + 5]));
	tgem_kunit_bo_expect(test, bo, TGEM_MMAP_TEST_SEED);
}

/*
 * The handler's own SIGBUS: a page of the VMA past the end of the BO. A
 * DRM file never maps more than the BO, so only this test's file gets
 * there. From the kernel, the SIGBUS is a failed get_user().
 */
static void tgem_mmap_sigbus_past_the_end(struct kunit *test)
{
	struct tgem_device *tdev = tgem_kunit_device_create(test);
	struct tgem_mmap_test_map *m;
	struct tgem_bo *bo;
	s64 faults;
	u32 val = 0;

	bo = tgem_kunit_bo_create(test, tdev, 4 * PAGE_SIZE, DRM_TGEM_PLACEMENT_SYSTEM, 0);
	m = tgem_mmap_test_map(test, bo, 8 * PAGE_SIZE, 8 * PAGE_SIZE);

	faults = atomic64_read(&tdev->fault.pte_faults);
	KUNIT_EXPECT_EQ(test, tgem_mmap_test_touch(m, 5 * PAGE_SIZE, &val), -EFAULT);
	KUNIT_EXPECT_FALSE(test, tgem_mmap_test_lookup(m, 5 * PAGE_SIZE).present);
	KUNIT_EXPECT_EQ(test, atomic64_read(&tdev->fault.pte_faults), faults);

	/* The pages of the BO are fine, and the batch stops at its end. */
	KUNIT_EXPECT_EQ(test, tgem_mmap_test_touch(m, 0, &val), 0);
	KUNIT_EXPECT_EQ(test, val, 0);
	KUNIT_EXPECT_TRUE(test, tgem_mmap_test_lookup(m, 3 * PAGE_SIZE).present);
	KUNIT_EXPECT_FALSE(test, tgem_mmap_test_lookup(m, 4 * PAGE_SIZE).present);
	KUNIT_EXPECT_EQ(test, tgem_mmap_test_touch(m, 4 * PAGE_SIZE, &val), -EFAULT);
}

/*
 * drm_dev_unplug() marks the device gone, then zaps its mappings. A fault
 * in between gets the dummy page while huge PMDs still map other 2 MiB
 * ranges of the VMA. Setting &drm_device.unplugged by hand holds the
 * device in that window.
 */
static void tgem_mmap_dummy_page_beside_huge_pmd(struct kunit *test)
{
	struct tgem_device *tdev = tgem_mmap_test_vram_device(test);
	struct tgem_mmap_test_entry e;
	struct tgem_mmap_test_map *m;
	struct tgem_bo *bo;
	u32 val = 0;
	int ret;

	bo = tgem_kunit_bo_create(test, tdev, SZ_4M, DRM_TGEM_PLACEMENT_VRAM,
				  DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS);
	tgem_kunit_bo_fill(test, bo, TGEM_MMAP_TEST_SEED);
	m = tgem_mmap_test_map(test, bo, SZ_4M, SZ_4M);

	/* The last 2 MiB: a huge PMD. */
	KUNIT_ASSERT_EQ(test, tgem_mmap_test_touch(m, SZ_4M - sizeof(u32), &val), 0);
	KUNIT_ASSERT_TRUE(test, tgem_mmap_test_lookup(m, SZ_2M).pmd);

	tdev->drm.unplugged = true;
	ret = tgem_mmap_test_touch(m, 0, &val);
	e = tgem_mmap_test_lookup(m, SZ_2M);
	tdev->drm.unplugged = false;

	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, val, 0);	/* the dummy page, not VRAM */
	KUNIT_EXPECT_TRUE(test, tgem_mmap_test_lookup(m, PAGE_SIZE).present);
	/* The huge PMD is left alone until the zap. */
	KUNIT_EXPECT_TRUE(test, e.present && e.pmd);
}

struct tgem_mmap_errno_case {
	const char *desc;
	int err;
	vm_fault_t expected;
};

static const struct tgem_mmap_errno_case tgem_mmap_errno_cases[] = {
	{ "ENOMEM: out of memory", -ENOMEM, VM_FAULT_OOM },
	{ "ERESTARTSYS: retry", -ERESTARTSYS, VM_FAULT_NOPAGE },
	{ "EINTR: retry", -EINTR, VM_FAULT_NOPAGE },
	{ "EAGAIN: retry", -EAGAIN, VM_FAULT_NOPAGE },
	{ "ENOSPC: tgem's page limit, SIGBUS", -ENOSPC, VM_FAULT_SIGBUS },
	{ "EINVAL: SIGBUS", -EINVAL, VM_FAULT_SIGBUS },
	{ "EIO: SIGBUS", -EIO, VM_FAULT_SIGBUS },
};

KUNIT_ARRAY_PARAM_DESC(tgem_mmap_errno, tgem_mmap_errno_cases, desc);

/* What a populate that fails makes of the fault. */
static void tgem_mmap_populate_errno(struct kunit *test)
{
	const struct tgem_mmap_errno_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, (__force unsigned int)tgem_mmap_populate_error(c->err),
			(__force unsigned int)c->expected);
}

static struct kunit_case tgem_mmap_tests[] = {
	KUNIT_CASE(tgem_mmap_prot_matches_ttm),
	KUNIT_CASE(tgem_mmap_prot_follows_tracked_memtype),
	KUNIT_CASE(tgem_mmap_huge_fragmented),
	KUNIT_CASE(tgem_mmap_system_huge),
	KUNIT_CASE(tgem_mmap_sigbus_past_the_end),
	KUNIT_CASE(tgem_mmap_dummy_page_beside_huge_pmd),
	KUNIT_CASE_PARAM(tgem_mmap_populate_errno, tgem_mmap_errno_gen_params),
	{}
};

static struct kunit_suite tgem_mmap_suite = {
	.name = "tgem_mmap",
	.test_cases = tgem_mmap_tests,
};

kunit_test_suite(tgem_mmap_suite);
