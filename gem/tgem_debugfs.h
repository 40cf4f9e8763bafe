/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_DEBUGFS_H_
#define _TGEM_DEBUGFS_H_

struct drm_minor;

void tgem_debugfs_init(struct drm_minor *minor);

#endif
