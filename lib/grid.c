/* grid.c: what a listing shows, as a table or as JSON. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grid.h"
#include "ipcutils.h"
#include "json.h"

void
ipc_xgrid_alloc(struct ipc_grid *g, size_t nrows)
{
	g->nrows = nrows;
	if ((g->cells = calloc(nrows * g->ncols + 1, sizeof(*g->cells))) ==
	    NULL)
		err(IPC_ERROR, NULL);
}

/* One more row, of unknown cells: its index.  The grid starts empty. */
size_t
ipc_xgrid_add(struct ipc_grid *g)
{
	char **v;
	size_t k;

	if ((v = reallocarray(g->cells, (g->nrows + 1) * g->ncols + 1,
	    sizeof(*v))) == NULL)
		err(IPC_ERROR, NULL);
	g->cells = v;
	for (k = g->nrows * g->ncols; k < (g->nrows + 1) * g->ncols + 1; k++)
		v[k] = NULL;
	return g->nrows++;
}

void
ipc_xgrid_set(struct ipc_grid *g, size_t row, int col, const char *s)
{
	if ((g->cells[row * g->ncols + col] = strdup(s)) == NULL)
		err(IPC_ERROR, NULL);
}

static void
grid_free(struct ipc_grid *g)
{
	size_t k;

	for (k = 0; k < g->nrows * g->ncols; k++)
		free(g->cells[k]);
	free(g->cells);
}

/* A table: a header, and columns padded to their widest field. */
static void
print_table(const struct ipc_grid *g, int nflag, int rflag)
{
	const char *s;
	size_t k, width[IPC_GRID_MAXCOLS] = { 0 }, w;
	int c, n = g->ncols;

	for (c = 0; c < n; c++)
		width[c] = nflag ? 0 : strlen(g->heads[c]);
	for (k = 0; k < g->nrows; k++)
		for (c = 0; c < n; c++) {
			s = g->cells[k * n + c];
			if ((w = s == NULL ? 1 : strlen(s)) > width[c])
				width[c] = w;
		}
	for (k = nflag ? 1 : 0; k < g->nrows + 1; k++)
		for (c = 0; c < n; c++) {
			s = k == 0 ? g->heads[c] : g->cells[(k - 1) * n + c];
			if (s == NULL)
				s = "-";
			if (rflag)
				printf("%s%c", s, c == n - 1 ? '\n' : '\t');
			else if (g->number[c])
				printf("%*s%s", (int)width[c], s,
				    c == n - 1 ? "\n" : " ");
			else if (c == n - 1)
				printf("%s\n", s);
			else
				printf("%-*s ", (int)width[c], s);
		}
}

/* One JSON array of objects; what is unknown or not of the kind is null. */
static void
print_json(const struct ipc_grid *g)
{
	const char *s;
	size_t k;
	int c;

	fputs("[", stdout);
	for (k = 0; k < g->nrows; k++) {
		fputs(k == 0 ? "\n  {" : ",\n  {", stdout);
		for (c = 0; c < g->ncols; c++) {
			printf("%s\"%s\": ", c == 0 ? "" : ", ", g->keys[c]);
			if ((s = g->cells[k * g->ncols + c]) == NULL)
				fputs("null", stdout);
			else if (g->number[c])
				fputs(s, stdout);
			else
				ipc_json_name(s);
		}
		fputs("}", stdout);
	}
	fputs(g->nrows == 0 ? "]\n" : "\n]\n", stdout);
}


/* The grid as JSON or as a table, and done with it. */
void
ipc_grid_print(struct ipc_grid *g, int Jflag, int nflag, int rflag)
{
	if (Jflag)
		print_json(g);
	else
		print_table(g, nflag, rflag);
	grid_free(g);
}

void
ipc_json_name(const char *s)
{
	size_t n = strlen(s);
	char *j;

	if ((j = malloc(IPC_JSON_MAX(n))) == NULL)
		err(IPC_ERROR, NULL);
	fwrite(j, 1, ipc_json_string(j, s, n, 1), stdout);
	free(j);
}
