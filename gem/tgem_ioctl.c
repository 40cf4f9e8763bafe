// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: GEM ioctls
 *
 * The ioctl handlers only check arguments, translate handles and call the
 * BO layer. Each one rejects a nonzero ``extensions`` (none is defined
 * yet), nonzero pad and reserved fields and unknown flags with ``EINVAL``
 * before it looks anything up, and it writes its output fields only after
 * everything that can fail has succeeded. Every rejection says why through
 * TGEM_IOCTL_DBG().
 */

#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_vma_manager.h>
#include <kunit/visibility.h>
#include <uapi/drm/tgem_drm.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_debug.h"
#include "gem/tgem_device.h"
#include "gem/tgem_ioctl.h"
#include "ttm/tgem_ttm.h"
#include "userptr/tgem_userptr.h"

#define TGEM_QUERY_CONFIG_NUM_PARAMS (DRM_TGEM_QUERY_CONFIG_MAX_BO_SIZE + 1)

static u32 tgem_num_regions(struct tgem_device *tdev)
{
	return tgem_device_has_vram(tdev) ? 2 : 1;
}

static size_t tgem_query_size(struct tgem_device *tdev, u32 query)
{
	switch (query) {
	case DRM_TGEM_DEVICE_QUERY_CONFIG:
		return struct_size_t(struct drm_tgem_query_config, info,
				     TGEM_QUERY_CONFIG_NUM_PARAMS);
	case DRM_TGEM_DEVICE_QUERY_MEM_REGIONS:
		return struct_size_t(struct drm_tgem_query_mem_regions, regions,
				     tgem_num_regions(tdev));
	default:
		return 0;
	}
}

static void tgem_query_fill(struct tgem_device *tdev, u32 query, void *buf)
{
	struct drm_tgem_query_config *config = buf;
	struct drm_tgem_query_mem_regions *regions = buf;
	struct drm_tgem_mem_region *vram;

	switch (query) {
	case DRM_TGEM_DEVICE_QUERY_CONFIG:
		config->num_params = TGEM_QUERY_CONFIG_NUM_PARAMS;
		config->info[DRM_TGEM_QUERY_CONFIG_FLAGS] =
			DRM_TGEM_QUERY_CONFIG_FLAG_HAS_EXECBUF |
			DRM_TGEM_QUERY_CONFIG_FLAG_HAS_USERPTR |
			DRM_TGEM_QUERY_CONFIG_FLAG_HAS_SYNCS |
			(tgem_device_has_vram(tdev) ?
			 DRM_TGEM_QUERY_CONFIG_FLAG_HAS_VRAM : 0);
		config->info[DRM_TGEM_QUERY_CONFIG_MIN_ALIGNMENT] = PAGE_SIZE;
		config->info[DRM_TGEM_QUERY_CONFIG_MAX_BO_SIZE] =
			tgem_bo_max_size(tdev);
		break;
	case DRM_TGEM_DEVICE_QUERY_MEM_REGIONS:
		regions->num_regions = tgem_num_regions(tdev);
		regions->regions[0].mem_class = DRM_TGEM_MEM_CLASS_SYSMEM;
		regions->regions[0].instance = 0;
		regions->regions[0].min_page_size = PAGE_SIZE;
		regions->regions[0].total_size = tgem_ttm_sys_total(tdev);
		regions->regions[0].cpu_visible_size = tgem_ttm_sys_total(tdev);
		regions->regions[0].used = tgem_ttm_sys_used(tdev);
		if (!tgem_device_has_vram(tdev))
			break;
		vram = &regions->regions[1];
		vram->mem_class = DRM_TGEM_MEM_CLASS_VRAM;
		vram->instance = 1;
		vram->min_page_size = PAGE_SIZE;
		vram->total_size = tdev->vram.size;
		vram->cpu_visible_size = tdev->vram.size;
		vram->used = tgem_ttm_vram_used(tdev);
		break;
	}
}

/**
 * tgem_device_query_ioctl() - DRM_IOCTL_TGEM_DEVICE_QUERY
 * @drm: the device
 * @data: &struct drm_tgem_device_query, in kernel memory
 * @file: the caller's DRM file
 *
 * Context: Process context; may sleep.
 * Return: 0 with the answer copied to userspace (or, for a zero size, the
 * size needed written to @data); -EINVAL for bad arguments or a buffer too
 * small; -EFAULT if the answer cannot be copied; -ENOMEM.
 */
int tgem_device_query_ioctl(struct drm_device *drm, void *data,
			    struct drm_file *file)
{
	struct tgem_device *tdev = to_tgem_device(drm);
	struct drm_tgem_device_query *args = data;
	size_t size;
	void *buf;
	int ret = 0;

	if (TGEM_IOCTL_DBG(drm, args->extensions) ||
	    TGEM_IOCTL_DBG(drm, memchr_inv(args->reserved, 0, sizeof(args->reserved))))
		return -EINVAL;

	size = tgem_query_size(tdev, args->query);
	if (TGEM_IOCTL_DBG(drm, !size))
		return -EINVAL;

	if (!args->size) {
		args->size = size;
		return 0;
	}
	if (TGEM_IOCTL_DBG(drm, args->size < size))
		return -EINVAL;

	buf = kzalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	tgem_query_fill(tdev, args->query, buf);
	if (copy_to_user(u64_to_user_ptr(args->data), buf, size))
		ret = -EFAULT;
	else
		args->size = size;

	kfree(buf);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_device_query_ioctl);

/**
 * tgem_gem_create_ioctl() - DRM_IOCTL_TGEM_GEM_CREATE
 * @drm: the device
 * @data: &struct drm_tgem_gem_create, in kernel memory
 * @file: the caller's DRM file, which gets the new handle
 *
 * Context: Process context; may sleep.
 * Return: 0 with the handle and the rounded size written back; otherwise
 * a negative errno and no BO exists.
 */
int tgem_gem_create_ioctl(struct drm_device *drm, void *data,
			  struct drm_file *file)
{
	struct tgem_device *tdev = to_tgem_device(drm);
	struct drm_tgem_gem_create *args = data;
	struct tgem_bo *bo;
	u64 size;
	u32 handle;
	int ret;

	if (TGEM_IOCTL_DBG(drm, args->extensions) ||
	    TGEM_IOCTL_DBG(drm, args->pad) ||
	    TGEM_IOCTL_DBG(drm, memchr_inv(args->reserved, 0, sizeof(args->reserved))))
		return -EINVAL;

	if (TGEM_IOCTL_DBG(drm, !args->size) ||
	    TGEM_IOCTL_DBG(drm, args->size > tgem_bo_max_size(tdev)))
		return -EINVAL;
	size = PAGE_ALIGN(args->size);

	bo = tgem_bo_create(tdev, size, args->placement, args->flags);
	if (IS_ERR(bo)) {
		ret = PTR_ERR(bo);
		if (ret == -EINVAL || ret == -E2BIG)
			drm_dbg(drm, "placement %#x flags %#x size %llu rejected: %d\n",
				args->placement, args->flags, size, ret);
		return ret;
	}

	ret = drm_gem_handle_create(file, &bo->ttm.base, &handle);
	/* The handle holds its own reference, or creation failed. */
	tgem_bo_put(bo);
	if (ret)
		return ret;

	args->handle = handle;
	args->size = size;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_gem_create_ioctl);

/**
 * tgem_gem_mmap_offset_ioctl() - DRM_IOCTL_TGEM_GEM_MMAP_OFFSET
 * @drm: the device
 * @data: &struct drm_tgem_gem_mmap_offset, in kernel memory
 * @file: the caller's DRM file
 *
 * Context: Process context; may sleep.
 * Return: 0 with the offset written back; -EINVAL for bad arguments,
 * -ENOENT for a handle that is not the caller's, -ENODEV for a userptr BO.
 */
int tgem_gem_mmap_offset_ioctl(struct drm_device *drm, void *data,
			       struct drm_file *file)
{
	struct drm_tgem_gem_mmap_offset *args = data;
	struct drm_gem_object *obj;

	if (TGEM_IOCTL_DBG(drm, args->extensions) ||
	    TGEM_IOCTL_DBG(drm, args->flags) ||
	    TGEM_IOCTL_DBG(drm, memchr_inv(args->reserved, 0, sizeof(args->reserved))))
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;

	/* A userptr BO has no offset: its memory is already mapped. */
	if (TGEM_IOCTL_DBG(drm, tgem_bo_is_userptr(gem_to_tgem_bo(obj)))) {
		drm_gem_object_put(obj);
		return -ENODEV;
	}

	/* tgem registers the offset when it creates the BO. */
	args->offset = drm_vma_node_offset_addr(&obj->vma_node);
	drm_gem_object_put(obj);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_gem_mmap_offset_ioctl);

/**
 * tgem_gem_wait_ioctl() - DRM_IOCTL_TGEM_GEM_WAIT
 * @drm: the device
 * @data: &struct drm_tgem_gem_wait, in kernel memory
 * @file: the caller's DRM file
 *
 * Context: Process context; sleeps until the BO is idle, the deadline
 * passes or a signal arrives. Takes no lock while waiting.
 * Return: 0 when idle; -ETIME at the deadline; -ERESTARTSYS on a signal;
 * -EINVAL for bad arguments; -ENOENT for a handle that is not the
 * caller's.
 */
int tgem_gem_wait_ioctl(struct drm_device *drm, void *data,
			struct drm_file *file)
{
	struct drm_tgem_gem_wait *args = data;
	struct drm_gem_object *obj;
	int ret;

	if (TGEM_IOCTL_DBG(drm, args->extensions) ||
	    TGEM_IOCTL_DBG(drm, args->flags) ||
	    TGEM_IOCTL_DBG(drm, memchr_inv(args->reserved, 0, sizeof(args->reserved))))
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;

	ret = tgem_bo_wait(gem_to_tgem_bo(obj), args->timeout_ns);
	drm_gem_object_put(obj);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_gem_wait_ioctl);

/**
 * tgem_gem_migrate_ioctl() - DRM_IOCTL_TGEM_GEM_MIGRATE
 * @drm: the device
 * @data: &struct drm_tgem_gem_migrate, in kernel memory
 * @file: the caller's DRM file
 *
 * Context: Process context; sleeps while it copies.
 * Return: 0 when the BO is in the region; -EINVAL, -ENOENT, -EBUSY,
 * -ENOMEM or -ERESTARTSYS as tgem_bo_migrate() and the uAPI say.
 */
int tgem_gem_migrate_ioctl(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct drm_tgem_gem_migrate *args = data;
	struct drm_gem_object *obj;
	int ret;

	if (TGEM_IOCTL_DBG(drm, args->extensions) ||
	    TGEM_IOCTL_DBG(drm, args->flags) ||
	    TGEM_IOCTL_DBG(drm, args->pad) ||
	    TGEM_IOCTL_DBG(drm, memchr_inv(args->reserved, 0, sizeof(args->reserved))))
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;

	ret = tgem_bo_migrate(gem_to_tgem_bo(obj), args->region);
	if (ret == -EINVAL)
		drm_dbg(drm, "region %u not allowed by placement %#x\n",
			args->region, gem_to_tgem_bo(obj)->uapi_placement);
	drm_gem_object_put(obj);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_gem_migrate_ioctl);

/**
 * tgem_gem_info_ioctl() - DRM_IOCTL_TGEM_GEM_INFO
 * @drm: the device
 * @data: &struct drm_tgem_gem_info, in kernel memory
 * @file: the caller's DRM file
 *
 * Context: Process context; takes the BO's dma_resv briefly.
 * Return: 0 with the outputs written; -EINVAL for bad arguments; -ENOENT
 * for a bad handle; -ERESTARTSYS on a signal.
 */
int tgem_gem_info_ioctl(struct drm_device *drm, void *data,
			struct drm_file *file)
{
	struct drm_tgem_gem_info *args = data;
	struct drm_gem_object *obj;
	struct tgem_bo *bo;
	int region;

	if (TGEM_IOCTL_DBG(drm, args->extensions) ||
	    TGEM_IOCTL_DBG(drm, args->flags) ||
	    TGEM_IOCTL_DBG(drm, args->pad) ||
	    TGEM_IOCTL_DBG(drm, memchr_inv(args->reserved, 0, sizeof(args->reserved))))
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;

	bo = gem_to_tgem_bo(obj);
	region = tgem_bo_region(bo);
	if (region >= 0) {
		args->size = obj->size;
		args->placement = bo->uapi_placement;
		args->create_flags = bo->uapi_flags;
		args->region = region;
	}
	drm_gem_object_put(obj);
	return region < 0 ? region : 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_gem_info_ioctl);
