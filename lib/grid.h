/* grid.h: what a listing shows, as a table or as JSON (grid.c). */
#ifndef IPC_GRID_H
#define IPC_GRID_H

#include <stddef.h>

#define IPC_GRID_MAXCOLS 64	/* ipc-ls -o may name a column more than once */

/* Rows of cells, NULL where unknown. */
struct ipc_grid {
	int		 ncols;
	const char	*heads[IPC_GRID_MAXCOLS];	/* per column: its header, */
	const char	*keys[IPC_GRID_MAXCOLS];	/* its JSON key, */
	int		 number[IPC_GRID_MAXCOLS];	/* right-aligned, a number */
	char		**cells;			/* nrows * ncols */
	size_t		 nrows;
};
void		 ipc_xgrid_alloc(struct ipc_grid *, size_t);
/* A row more (cells and nrows 0 at first): its index. */
size_t		 ipc_xgrid_add(struct ipc_grid *);
void		 ipc_xgrid_set(struct ipc_grid *, size_t, int, const char *);
/*
 * To standard output as JSON, or as a table (nohead: without its header
 * line; raw: fields between tabs, unpadded); and freed.
 */
void		 ipc_grid_print(struct ipc_grid *, int, int, int);
/* A name as a JSON string: one that is not UTF-8 is read as Latin-1. */
void		 ipc_json_name(const char *);

#endif
