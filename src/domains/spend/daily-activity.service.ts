import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { pageWindow, totalPages } from '../../platform/common/pagination';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { DAILY_SUMS, DailySums } from './daily-activity';

/** Reads LiteLLM's Daily*Spend tables for the daily-activity reports of other domains (users, teams). */
@Injectable()
export class DailyActivityService {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * One page of a daily-activity report over a Daily*Spend table: the totals over every matching row,
   * the page's days (whole days, newest first, so a day is never split across pages and the days add
   * up to the totals) and their rows summed per `columns`.
   */
  async page<Row extends DailySums & { date: string }>(
    table: string,
    where: Prisma.Sql,
    columns: string[],
    page: number,
    size: number,
  ) {
    const from = Prisma.raw(`"${table}"`);
    const [[totals], [{ days }]] = await Promise.all([
      this.prisma.$queryRaw<DailySums[]>`SELECT ${DAILY_SUMS} FROM ${from} WHERE ${where}`,
      this.prisma.$queryRaw<
        { days: bigint }[]
      >`SELECT COUNT(DISTINCT date)::bigint AS days FROM ${from} WHERE ${where}`,
    ]);
    const { skip, take } = pageWindow(page, size);
    const dates = (
      await this.prisma.$queryRaw<{ date: string }[]>`
        SELECT DISTINCT date FROM ${from} WHERE ${where} ORDER BY date DESC LIMIT ${take} OFFSET ${skip}`
    ).map((d) => d.date);
    const groups = Prisma.raw(['date', ...columns].join(', '));
    const rows = dates.length
      ? await this.prisma.$queryRaw<Row[]>`
          SELECT ${groups}, ${DAILY_SUMS} FROM ${from}
          WHERE ${where} AND date = ANY(${dates})
          GROUP BY ${groups} ORDER BY date DESC`
      : [];
    const pages = totalPages(Number(days), size);
    return {
      dates,
      rowsOf: (date: string) => rows.filter((r) => r.date === date),
      rows,
      metadata: {
        total_spend: totals.spend,
        total_prompt_tokens: Number(totals.prompt_tokens),
        total_completion_tokens: Number(totals.completion_tokens),
        total_tokens: Number(totals.prompt_tokens) + Number(totals.completion_tokens),
        total_api_requests: Number(totals.api_requests),
        total_successful_requests: Number(totals.successful_requests),
        total_failed_requests: Number(totals.failed_requests),
        total_cache_read_input_tokens: Number(totals.cache_read_input_tokens),
        total_cache_creation_input_tokens: Number(totals.cache_creation_input_tokens),
        page,
        total_pages: pages,
        has_more: page < pages,
      },
    };
  }
}
