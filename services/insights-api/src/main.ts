#!/usr/bin/env node
import { runMain } from '@creditstream/service';
import { loadInsightsApiConfig } from './config';
import { createInsightsApi } from './service';

void runMain(async () => createInsightsApi({ config: loadInsightsApiConfig(), topicPrefix: process.env.CREDITSTREAM_TOPIC_PREFIX ?? '' }));
