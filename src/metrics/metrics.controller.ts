import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { MetricsService } from './metrics.service';

@ApiTags('metrics')
@Controller('api/metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @ApiOperation({
    summary:
      'Prometheus metrics: jobs by queue and state, job durations, provider calls and 429s by key, images made, estimated spend.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4.', schema: { type: 'string' } })
  async scrape(@Res() res: Response): Promise<void> {
    const { contentType, body } = await this.metrics.render();
    // end(), not send(): Express would rewrite the content type's parameters.
    res.status(200).setHeader('Content-Type', contentType);
    res.end(body);
  }
}
