// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Userptr ioctl
 *
 * &DRM_IOCTL_TGEM_GEM_USERPTR checks its arguments in the order the uAPI
 * documents, every rejection through TGEM_IOCTL_DBG(), creates the BO
 * with tgem_userptr_create() and, for
 * %DRM_TGEM_GEM_USERPTR_FLAG_PROBE, validates it once before the handle
 * exists, so a failing probe leaves nothing behind.
 */

#include <linux/string.h>
#include <linux/uaccess.h>

#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <kunit/visibility.h>
#include <uapi/drm/tgem_drm.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_debug.h"
#include "gem/tgem_device.h"
#include "userptr/tgem_userptr.h"
#include "userptr/tgem_userptr_range.h"

#define TGEM_USERPTR_FLAGS_ALL \
	(DRM_TGEM_GEM_USERPTR_FLAG_READ_ONLY | DRM_TGEM_GEM_USERPTR_FLAG_PROBE)

/**
 * tgem_gem_userptr_ioctl() - DRM_IOCTL_TGEM_GEM_USERPTR
 * @drm: the device
 * @data: &struct drm_tgem_gem_userptr, in kernel memory
 * @file: the caller's DRM file, which gets the new handle
 *
 * Context: Process context; may sleep, and faults user memory for
 * %DRM_TGEM_GEM_USERPTR_FLAG_PROBE.
 * Return: 0 with the handle written back; otherwise a negative errno, as
 * the uAPI documents, and no BO exists.
 */
int tgem_gem_userptr_ioctl(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct tgem_device *tdev = to_tgem_device(drm);
	struct drm_tgem_gem_userptr *args = data;
	struct tgem_bo *bo;
	u32 handle;
	int ret;

	if (TGEM_IOCTL_DBG(drm, args->extensions) ||
	    TGEM_IOCTL_DBG(drm, args->flags & ~TGEM_USERPTR_FLAGS_ALL) ||
	    TGEM_IOCTL_DBG(drm, memchr_inv(args->reserved, 0, sizeof(args->reserved))))
		return -EINVAL;

	ret = tgem_userptr_range_check(args->user_ptr, args->user_size,
				       tgem_userptr_max_size(tdev));
	if (TGEM_IOCTL_DBG(drm, ret))
		return ret;
	if (TGEM_IOCTL_DBG(drm, !access_ok(u64_to_user_ptr(args->user_ptr),
					   args->user_size)))
		return -EFAULT;

	bo = tgem_userptr_create(tdev, args->user_ptr, args->user_size,
				 args->flags & DRM_TGEM_GEM_USERPTR_FLAG_READ_ONLY);
	if (IS_ERR(bo))
		return PTR_ERR(bo);

	if (args->flags & DRM_TGEM_GEM_USERPTR_FLAG_PROBE) {
		ret = tgem_userptr_validate(bo);
		if (ret == -EFAULT)
			drm_dbg(drm, "userptr %#llx+%#llx cannot be faulted in\n",
				args->user_ptr, args->user_size);
		if (ret)
			goto out_put;
	}

	ret = drm_gem_handle_create(file, &bo->ttm.base, &handle);
out_put:
	/* The handle holds its own reference, or there is none. */
	tgem_bo_put(bo);
	if (ret)
		return ret;

	args->handle = handle;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_gem_userptr_ioctl);
