#!/usr/bin/env node
import { runMain } from '@creditstream/service';
import { loadScoringServiceConfig } from './config';
import { createScoringService } from './service';

void runMain(async () => createScoringService({ config: loadScoringServiceConfig(), topicPrefix: process.env.CREDITSTREAM_TOPIC_PREFIX ?? '' }));
