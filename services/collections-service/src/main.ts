#!/usr/bin/env node
import { runMain } from '@creditstream/service';
import { loadCollectionsServiceConfig } from './config';
import { createCollectionsService } from './service';

void runMain(async () => createCollectionsService({ config: loadCollectionsServiceConfig(), topicPrefix: process.env.CREDITSTREAM_TOPIC_PREFIX ?? '' }));
