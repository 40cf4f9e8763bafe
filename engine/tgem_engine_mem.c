// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Engine memory
 *
 * The engine's &struct tgem_engine_ops on real BO memory. The executor
 * hands it ranges inside one map; it finds where the BO lives *now*
 * (&ttm_buffer_object.resource) and copies page by page through the page
 * iterators of ttm/tgem_iter.h, the same ones moves use:
 * kmap_local_page() for system pages, io_mapping_map_local_wc() for VRAM.
 *
 * It takes no lock. The submitter guarantees every BO of the job is
 * populated or resident before the job is pushed, and the job's fence in
 * each BO's dma_resv keeps TTM from moving, swapping or freeing the memory
 * until the job has ended, so the resource and its pages are stable while
 * the batch runs. A BO found without backing pages faults the job
 * (``-EFAULT``) rather than touching anything.
 *
 * VRAM is reached only inside drm_dev_enter(): once the device is
 * unplugged, the access fails with ``-ENODEV`` and the BAR is never
 * touched again.
 */

#include <linux/iosys-map.h>
#include <linux/mm.h>

#include <drm/drm_cache.h>
#include <drm/drm_drv.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_tt.h>

#include "engine/tgem_context.h"
#include "engine/tgem_engine.h"
#include "engine/tgem_job.h"
#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "ttm/tgem_iter.h"
#include "ttm/tgem_vram_mgr.h"
#include "userptr/tgem_userptr.h"

/* Microseconds between two polls of an unsatisfied semaphore. */
#define TGEM_ENGINE_POLL_US	20

struct tgem_engine_mem {
	struct tgem_job *job;
	struct tgem_device *tdev;
	int (*check)(void *priv);
};

/*
 * Whether every page of [@offset, @offset + @len) has a struct page. A
 * userptr's entries are valid for as long as the job's fence is unsignalled
 * (see "Userptr and execbuf"); this only keeps a broken submitter from
 * turning a hole into a NULL dereference.
 */
static bool tgem_engine_mem_pages_present(const struct ttm_tt *tt, u64 offset,
					  u32 len)
{
	pgoff_t p;

	for (p = offset >> PAGE_SHIFT; len && p <= (offset + len - 1) >> PAGE_SHIFT; p++)
		if (!tt->pages[p])
			return false;
	return true;
}

/* One BO's pages, reached through a page iterator, for one access. */
struct tgem_engine_mem_side {
	union {
		struct tgem_page_iter_tt tt;
		struct tgem_page_iter_vram vram;
	} u;
	struct tgem_page_iter *it;
	bool vram;
	int idx;
};

/*
 * Start an access to [@offset, @offset + @len) of @map: find where its BO
 * lives now, and enter the device for VRAM. tgem_engine_mem_end() ends it.
 */
static int tgem_engine_mem_begin(struct tgem_engine_mem *mem,
				 const struct tgem_job_map *map, u64 offset,
				 u32 len, struct tgem_engine_mem_side *side)
{
	struct ttm_buffer_object *tbo = &map->bo->ttm;
	struct ttm_resource *res = tbo->resource;

	if (!res)
		return -EFAULT;

	side->vram = res->mem_type == TTM_PL_VRAM;
	if (side->vram) {
		if (!drm_dev_enter(&mem->tdev->drm, &side->idx))
			return -ENODEV;
		side->it = tgem_page_iter_vram_init(&side->u.vram,
						    &mem->tdev->vram.iomap,
						    &mem->tdev->vram.mgr.mm,
						    &to_tgem_vram_resource(res)->blocks);
		return 0;
	}

	/* A userptr's tt is never populated: its pages are validated. */
	if (!tbo->ttm || !(ttm_tt_is_populated(tbo->ttm) ||
			   tgem_bo_is_userptr(map->bo)))
		return -EFAULT;
	if (!tgem_engine_mem_pages_present(tbo->ttm, offset, len))
		return -EFAULT;
	side->it = tgem_page_iter_tt_init(&side->u.tt, tbo->ttm->pages);
	return 0;
}

static void tgem_engine_mem_end(struct tgem_engine_mem *mem,
				struct tgem_engine_mem_side *side)
{
	if (side->vram)
		drm_dev_exit(side->idx);
}

static int tgem_engine_mem_access(struct tgem_engine_mem *mem,
				  const struct tgem_job_map *map, u64 offset,
				  void *buf, u32 len, bool write)
{
	struct tgem_engine_mem_side side;
	struct tgem_page_iter *it;
	int ret;

	ret = tgem_engine_mem_begin(mem, map, offset, len, &side);
	if (ret)
		return ret;
	it = side.it;

	while (len) {
		u32 in_page = offset & ~PAGE_MASK;
		u32 n = min_t(u32, len, PAGE_SIZE - in_page);
		struct iosys_map m;

		it->ops->map_local(it, offset >> PAGE_SHIFT, &m);
		if (write)
			iosys_map_memcpy_to(&m, in_page, buf, n);
		else
			iosys_map_memcpy_from(buf, &m, in_page, n);
		it->ops->unmap_local(it, &m);

		offset += n;
		buf += n;
		len -= n;
	}

	tgem_engine_mem_end(mem, &side);
	return 0;
}

/* Bytes of the bounce buffer of a copy from VRAM to VRAM. */
#define TGEM_ENGINE_IO_BOUNCE	256

/*
 * Copy @len bytes between two I/O mappings, exactly. Not
 * drm_memcpy_from_wc(): for I/O on both sides it copies its whole bounce
 * buffer for the tail of a length that is not a multiple of it, writing
 * up to 127 bytes past the end (Linux 6.12, drm_cache.c), which a page
 * copy never sees but a blit row does.
 */
static void tgem_engine_mem_copy_io(struct iosys_map *dst,
				    const struct iosys_map *src, u32 len)
{
	u8 bounce[TGEM_ENGINE_IO_BOUNCE];
	u32 done, n;

	for (done = 0; done < len; done += n) {
		n = min_t(u32, len - done, sizeof(bounce));
		memcpy_fromio(bounce, src->vaddr_iomem + done, n);
		memcpy_toio(dst->vaddr_iomem + done, bounce, n);
	}
}

/*
 * Copy between two BOs without a bounce buffer (but from VRAM to VRAM):
 * one page of each side mapped at a time, unmapped in LIFO order, the
 * copy primitive chosen for the kind of memory on each side as a move's
 * copy loop does.
 */
static int tgem_engine_mem_copy(void *priv, const struct tgem_job_map *dst,
				u64 dst_offset, const struct tgem_job_map *src,
				u64 src_offset, u32 len)
{
	struct tgem_engine_mem_side d, s;
	struct tgem_engine_mem *mem = priv;
	int ret;

	ret = tgem_engine_mem_begin(mem, src, src_offset, len, &s);
	if (ret)
		return ret;
	ret = tgem_engine_mem_begin(mem, dst, dst_offset, len, &d);
	if (ret) {
		tgem_engine_mem_end(mem, &s);
		return ret;
	}

	while (len) {
		u32 s_in = src_offset & ~PAGE_MASK, d_in = dst_offset & ~PAGE_MASK;
		u32 n = min3(len, (u32)PAGE_SIZE - s_in, (u32)PAGE_SIZE - d_in);
		struct iosys_map sm, dm, sp, dp;

		s.it->ops->map_local(s.it, src_offset >> PAGE_SHIFT, &sm);
		d.it->ops->map_local(d.it, dst_offset >> PAGE_SHIFT, &dm);
		sp = sm;
		dp = dm;
		iosys_map_incr(&sp, s_in);
		iosys_map_incr(&dp, d_in);
		/* Exact for system memory on either side; WC reads done right. */
		if (sp.is_iomem && dp.is_iomem)
			tgem_engine_mem_copy_io(&dp, &sp, n);
		else
			drm_memcpy_from_wc(&dp, &sp, n);
		d.it->ops->unmap_local(d.it, &dm);
		s.it->ops->unmap_local(s.it, &sm);

		src_offset += n;
		dst_offset += n;
		len -= n;
	}

	tgem_engine_mem_end(mem, &d);
	tgem_engine_mem_end(mem, &s);
	return 0;
}

static int tgem_engine_mem_read(void *priv, const struct tgem_job_map *map,
				u64 offset, void *buf, u32 len)
{
	return tgem_engine_mem_access(priv, map, offset, buf, len, false);
}

static int tgem_engine_mem_write(void *priv, const struct tgem_job_map *map,
				 u64 offset, const void *buf, u32 len)
{
	return tgem_engine_mem_access(priv, map, offset, (void *)buf, len,
				      true);
}

static int tgem_engine_mem_check(void *priv)
{
	struct tgem_engine_mem *mem = priv;

	return mem->check(mem->job);
}

static const struct tgem_engine_ops tgem_engine_mem_ops = {
	.read = tgem_engine_mem_read,
	.write = tgem_engine_mem_write,
	.copy = tgem_engine_mem_copy,
	.check = tgem_engine_mem_check,
};

/**
 * tgem_engine_run_job() - Run a job's batch on its BOs' memory
 * @job: the job, armed, with sorted maps
 * @check: called with @job before every command and semaphore poll; a
 *         nonzero return stops the batch with that errno
 *
 * Context: Process context, in the fence signalling path: allocates
 * nothing and takes no dma_resv lock. May sleep.
 * Return: 0 when the batch ran to its end, or a negative errno: a fault
 * (see "Software engine"), -ENODEV after unplug, or what @check returned.
 */
int tgem_engine_run_job(struct tgem_job *job, int (*check)(void *priv))
{
	struct tgem_engine_mem mem = {
		.job = job,
		.tdev = job->ctx->tdev,
		.check = check,
	};
	struct tgem_engine_exec ex = {
		.ops = &tgem_engine_mem_ops,
		.priv = &mem,
		.maps = job->maps,
		.num_maps = job->num_maps,
		.batch_addr = job->batch_addr,
		.batch_len = job->batch_len,
		.poll_us = TGEM_ENGINE_POLL_US,
	};
	int ret;

	ret = tgem_engine_exec(&ex);
	if (ret && ret != -ETIMEDOUT && ret != -EIO && ret != -ENODEV)
		drm_dbg(&mem.tdev->drm,
			"job on context %u faulted (%d) at 0x%llx after %llu commands\n",
			job->ctx->id, ret, ex.fault_addr, ex.num_cmds);
	return ret;
}
