import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Actor } from '../audit/audit.service';
import { KeysService } from '../keys/keys.service';
import type { Tx } from './team-rows';

/**
 * The key operations team routes need, through KeysService (so a team's keys are archived
 * exactly like /key/delete archives them). KeysModule imports TeamsModule (key rules read team
 * membership), so TeamsModule cannot import KeysModule back; KeysService is looked up when first
 * used instead of injected.
 */
@Injectable()
export class TeamKeysService {
  private keysService: KeysService | undefined;

  constructor(private readonly moduleRef: ModuleRef) {}

  private get keys(): KeysService {
    this.keysService ??= this.moduleRef.get(KeysService, { strict: false });
    if (!this.keysService) throw new Error('KeysService is not registered (KeysModule missing)');
    return this.keysService;
  }

  /** Archives and deletes every key of the teams in `tx`; returns their hashes. */
  deleteKeysOfTeams(tx: Tx, actor: Actor, teamIds: string[]): Promise<string[]> {
    return this.keys.deleteKeysOfTeams(tx, actor, teamIds);
  }
}
