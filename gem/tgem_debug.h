/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_DEBUG_H_
#define _TGEM_DEBUG_H_

#include <linux/compiler.h>

#include <drm/drm_print.h>

/**
 * TGEM_IOCTL_DBG() - Test a condition that rejects an ioctl argument
 * @drm: the &struct drm_device the ioctl runs on
 * @cond: the condition; true means the argument is bad
 *
 * Userspace can trigger every one of these, so the reason is printed with
 * drm_dbg() (enable with drm.debug=0x2), never at a higher level.
 *
 * Return: the value of @cond, evaluated once.
 */
#define TGEM_IOCTL_DBG(drm, cond) ({					\
	bool cond__ = !!(cond);						\
	if (unlikely(cond__))						\
		drm_dbg(drm, "ioctl argument check failed at %s:%d: %s\n", \
			__FILE__, __LINE__, #cond);			\
	cond__;								\
})

#endif
