#!/usr/bin/env node
import { runMain } from '@creditstream/service';
import { loadFraudServiceConfig } from './config';
import { createFraudService } from './service';

void runMain(async () => createFraudService({ config: loadFraudServiceConfig(), topicPrefix: process.env.CREDITSTREAM_TOPIC_PREFIX ?? '' }));
