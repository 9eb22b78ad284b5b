import { Injectable } from '@nestjs/common';
import type { Actor } from '../../platform/audit/audit.service';
import type { Tx } from './team-rows';

/** What team routes need from the keys domain. */
export interface TeamKeyRemover {
  /** Archives and deletes every key of the teams in `tx` (exactly as /key/delete does); returns their hashes. */
  deleteKeysOfTeams(tx: Tx, actor: Actor, teamIds: string[]): Promise<string[]>;
}

/**
 * The keys domain as team routes reach it. Keys sit above teams (key rules read team membership),
 * so teams never import keys: KeysService plugs itself in at start-up (TeamsService.useKeyRemover).
 */
@Injectable()
export class TeamKeysService {
  private remover: TeamKeyRemover | undefined;

  use(remover: TeamKeyRemover): void {
    this.remover = remover;
  }

  /** Archives and deletes every key of the teams in `tx`; returns their hashes. */
  deleteKeysOfTeams(tx: Tx, actor: Actor, teamIds: string[]): Promise<string[]> {
    if (!this.remover) throw new Error('No key remover registered with TeamsService (KeysModule missing)');
    return this.remover.deleteKeysOfTeams(tx, actor, teamIds);
  }
}
