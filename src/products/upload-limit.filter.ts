import { ArgumentsHost, Catch, ExceptionFilter, Injectable, PayloadTooLargeException } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';

/** 15728640 → "15 MB", 1536 → "1.5 KB". */
export function sizeLabel(bytes: number): string {
  const [n, unit] = bytes >= 1024 * 1024 ? [bytes / 1024 / 1024, 'MB'] : [bytes / 1024, 'KB'];
  return `${Number(n.toFixed(1))} ${unit}`;
}

export const uploadLimitMessage = (maxBytes: number, field = 'photo') =>
  `${field}: the file is larger than the ${sizeLabel(maxBytes)} limit (UPLOAD_MAX_BYTES); choose a smaller JPEG, PNG or WebP`;

/**
 * A photo over UPLOAD_MAX_BYTES is a 413 that states the limit (multer's own message is only "File too large").
 */
@Injectable()
@Catch(PayloadTooLargeException)
export class UploadLimitFilter implements ExceptionFilter<PayloadTooLargeException> {
  constructor(@InjectConfig() private readonly config: AppConfig) {}

  catch(_e: PayloadTooLargeException, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    res.status(413).json({ statusCode: 413, message: uploadLimitMessage(this.config.uploads.maxBytes) });
  }
}
