import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  BadRequestException,
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import sharp from 'sharp';
import { EntityManager, In, Repository } from 'typeorm';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { BatchLink } from '../pipeline/entities/link.entity';
import { CheckedImage, checkImage, ImageRejected } from './image-check';
import { Product } from './product.entity';
import { uploadLimitMessage } from './upload-limit.filter';

export interface UploadedPhoto {
  buffer: Buffer;
  size: number;
  originalname?: string;
}

export interface PreparedProduct {
  description: string;
  image: CheckedImage;
}

export const MAX_DESCRIPTION = 2000;
export const MAX_NAME = 200;
/** Library thumbnails: WebP this wide, made once per product. */
const THUMB_WIDTH = 160;

@Injectable()
export class ProductsService {
  private readonly logger = new Logger(ProductsService.name);
  readonly uploadDir: string;

  constructor(
    @InjectRepository(Product) private readonly products: Repository<Product>,
    @InjectRepository(BatchLink) private readonly links: Repository<BatchLink>,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.uploadDir = path.join(config.dataDir, 'uploads');
  }

  /** Checks a photo and description without writing anything, so a rejected request leaves nothing behind. */
  async prepare(photo: UploadedPhoto | undefined, description: unknown, label = 'photo'): Promise<PreparedProduct> {
    if (!photo)
      throw new BadRequestException(`${label}: a product photo file is required (multipart field "${label}")`);
    if (photo.size > this.config.uploads.maxBytes)
      throw new PayloadTooLargeException(uploadLimitMessage(this.config.uploads.maxBytes, label));
    const text = typeof description === 'string' ? description.trim() : '';
    if (!text) throw new BadRequestException(`${label}: a product description is required`);
    if (text.length > MAX_DESCRIPTION)
      throw new BadRequestException(`${label}: the description is over ${MAX_DESCRIPTION} characters`);
    try {
      return { description: text, image: await checkImage(photo.buffer) };
    } catch (e) {
      if (e instanceof ImageRejected) throw new BadRequestException(`${label}: ${e.message}`);
      throw e;
    }
  }

  /**
   * Stores a prepared product: the file under a generated name, then the row (inside the caller's
   * transaction when given). If the row cannot be written the file is removed again.
   */
  async save(prepared: PreparedProduct, em?: EntityManager): Promise<Product> {
    await fs.mkdir(this.uploadDir, { recursive: true });
    const photoFile = `${randomUUID()}.${prepared.image.extension}`;
    const file = path.join(this.uploadDir, photoFile);
    await fs.writeFile(file, prepared.image.bytes);
    try {
      const repo = em ? em.getRepository(Product) : this.products;
      const id = randomUUID();
      await repo.insert({
        id,
        description: prepared.description,
        photoFile,
        mimeType: prepared.image.mimeType,
        width: prepared.image.width,
        height: prepared.image.height,
        sha256: prepared.image.sha256,
      });
      const product = await repo.findOneByOrFail({ id });
      this.logger.log(
        `product ${product.id}: stored ${prepared.image.width}×${prepared.image.height} ${prepared.image.mimeType}`,
      );
      return product;
    } catch (e) {
      await fs.rm(file, { force: true });
      throw e;
    }
  }

  async get(id: string): Promise<Product> {
    const product = await this.products.findOne({ where: { id } });
    if (!product) throw new NotFoundException(`product ${id} not found`);
    return product;
  }

  findMany(ids: string[]): Promise<Product[]> {
    return ids.length ? this.products.findBy({ id: In(ids) }) : Promise.resolve([]);
  }

  /** The ids among `ids` that do not exist. */
  async missing(ids: string[]): Promise<string[]> {
    if (!ids.length) return [];
    const found = await this.products.find({ where: { id: In(ids) }, select: ['id'] });
    const have = new Set(found.map((p) => p.id));
    return ids.filter((id) => !have.has(id));
  }

  /** What a generator needs of a product: the stored photo's path and the description. */
  async input(id: string): Promise<{ photoPath: string; description: string }> {
    const product = await this.get(id);
    return { photoPath: this.photoPath(product), description: product.description };
  }

  /** The library: newest first, with how many batch links use each product. */
  async list(): Promise<(Product & { uses: number })[]> {
    const products = await this.products.find({ order: { createdAt: 'DESC' }, take: 500 });
    const uses = await this.usesOf(products.map((p) => p.id));
    return products.map((p) => Object.assign(p, { uses: uses.get(p.id) ?? 0 }));
  }

  async getWithUses(id: string): Promise<Product & { uses: number }> {
    const product = await this.get(id);
    return Object.assign(product, { uses: (await this.usesOf([id])).get(id) ?? 0 });
  }

  private async usesOf(ids: string[]): Promise<Map<string, number>> {
    if (!ids.length) return new Map();
    const rows: { productId: string; n: string | number }[] = await this.links
      .createQueryBuilder('l')
      .select('l."productId"', 'productId')
      .addSelect('COUNT(*)', 'n')
      .where('l."productId" IN (:...ids)', { ids })
      .groupBy('l."productId"')
      .getRawMany();
    return new Map(rows.map((r) => [r.productId, Number(r.n)]));
  }

  /** Renames and/or re-describes a saved product; batches that used it keep their plans. */
  async update(id: string, patch: { name?: unknown; description?: unknown }): Promise<Product> {
    const product = await this.get(id);
    const set: Partial<Product> = {};
    if (patch.name !== undefined) {
      if (patch.name !== null && typeof patch.name !== 'string') throw new BadRequestException('name must be a string');
      const name = (patch.name ?? '').trim();
      if (name.length > MAX_NAME) throw new BadRequestException(`name is over ${MAX_NAME} characters`);
      set.name = name || null;
    }
    if (patch.description !== undefined) {
      const text = typeof patch.description === 'string' ? patch.description.trim() : '';
      if (!text) throw new BadRequestException('description must be a non-empty string');
      if (text.length > MAX_DESCRIPTION)
        throw new BadRequestException(`description is over ${MAX_DESCRIPTION} characters`);
      set.description = text;
    }
    if (!Object.keys(set).length) throw new BadRequestException('give name and/or description to change');
    await this.products.update({ id }, set);
    return { ...product, ...set };
  }

  /** Deletes a product no batch uses (409 naming the count otherwise), with its photo and thumbnail. */
  async remove(id: string): Promise<void> {
    const product = await this.get(id);
    const uses = (await this.usesOf([id])).get(id) ?? 0;
    if (uses)
      throw new ConflictException(
        `product ${id} is used by ${uses} batch link${uses === 1 ? '' : 's'}; delete those batches first`,
      );
    await this.products.delete({ id });
    await fs.rm(this.photoPath(product), { force: true });
    await fs.rm(this.thumbnailPath(product), { force: true });
    this.logger.log(`product ${id}: deleted`);
  }

  /** A small WebP of the photo, made on first request and kept beside it. */
  async thumbnail(id: string): Promise<string> {
    const product = await this.get(id);
    const file = this.thumbnailPath(product);
    try {
      await fs.access(file);
    } catch {
      const tmp = `${file}.${process.pid}.tmp`;
      await sharp(this.photoPath(product)).resize({ width: THUMB_WIDTH }).webp({ quality: 78 }).toFile(tmp);
      await fs.rename(tmp, file);
    }
    return file;
  }

  private thumbnailPath(product: Product): string {
    return path.join(this.uploadDir, `${product.photoFile}.thumb.webp`);
  }

  photoPath(product: Product): string {
    return path.join(this.uploadDir, product.photoFile);
  }

  toDto(product: Product & { uses?: number }) {
    return {
      id: product.id,
      name: product.name ?? null,
      description: product.description,
      photoUrl: `/api/products/${product.id}/photo`,
      thumbnailUrl: `/api/products/${product.id}/thumbnail`,
      uses: product.uses ?? 0,
      createdAt: product.createdAt,
      width: product.width,
      height: product.height,
    };
  }
}
