//! No code: the manifest is the point (see its comments).
