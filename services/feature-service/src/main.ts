#!/usr/bin/env node
import { runMain } from '@creditstream/service';
import { loadFeatureServiceConfig } from './config';
import { createFeatureService } from './service';

void runMain(async () => createFeatureService({ config: loadFeatureServiceConfig(), topicPrefix: process.env.CREDITSTREAM_TOPIC_PREFIX ?? '' }));
