#!/usr/bin/env node
import { runMain } from '@creditstream/service';
import { loadCreditServiceConfig } from './config';
import { createCreditService } from './service';

void runMain(async () => createCreditService({ config: loadCreditServiceConfig(), topicPrefix: process.env.CREDITSTREAM_TOPIC_PREFIX ?? '' }));
