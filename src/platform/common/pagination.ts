/** LiteLLM's page arithmetic: 1-based pages, `total_pages = ceil(total / size)`. */
export function pageWindow(page: number, size: number): { skip: number; take: number } {
  return { skip: (page - 1) * size, take: size };
}

export function totalPages(total: number, size: number): number {
  return Math.ceil(total / size);
}
